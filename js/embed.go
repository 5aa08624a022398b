// Package js holds ssehub.js, the browser module that shares one event
// stream among all the tabs of a browser (SharedEventSource), so that the
// hub's binary can serve it: package httpapi imports Module and serves it
// at GET /ssehub.js. The same file is published as the npm package
// @ssehub/client (package.json, README.md here); its tests run with
// node --test js/.
package js

import _ "embed"

// Module is the source of ssehub.js, an ES module with no dependencies.
//
//go:embed ssehub.js
var Module []byte
