package httpapi_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"maps"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// registeredRoutes reads server.go and returns the routes httpapi.New
// registers, pattern → methods: each mux.Handle(pattern, … allow(methods,
// …) …) and route(pattern, methods, …). ServeMux cannot list its patterns,
// so the source is the list.
func registeredRoutes(t *testing.T) map[string][]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "server.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	str := func(e ast.Expr) (string, bool) {
		lit, ok := e.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(lit.Value)
		return s, err == nil
	}
	callee := func(c *ast.CallExpr) string {
		switch fn := c.Fun.(type) {
		case *ast.Ident:
			return fn.Name
		case *ast.SelectorExpr:
			if x, ok := fn.X.(*ast.Ident); ok {
				return x.Name + "." + fn.Sel.Name
			}
		}
		return ""
	}
	// allowOf finds the methods of the allow(methods, …) call within e.
	allowOf := func(e ast.Expr) (methods string) {
		ast.Inspect(e, func(n ast.Node) bool {
			if c, ok := n.(*ast.CallExpr); ok && callee(c) == "allow" && len(c.Args) > 0 {
				methods, _ = str(c.Args[0])
			}
			return methods == ""
		})
		return methods
	}
	routes := map[string][]string{}
	ast.Inspect(f, func(n ast.Node) bool {
		c, ok := n.(*ast.CallExpr)
		if !ok || len(c.Args) < 2 {
			return true
		}
		if _, ok := c.Args[0].(*ast.Ident); ok {
			return true // route's own body: mux.Handle(path, …)
		}
		var pattern, methods string
		switch callee(c) {
		case "mux.Handle":
			pattern, _ = str(c.Args[0])
			methods = allowOf(c.Args[1])
		case "route":
			pattern, _ = str(c.Args[0])
			methods, _ = str(c.Args[1])
		default:
			return true
		}
		if pattern == "" || methods == "" {
			t.Fatalf("server.go: a route registered in a way this test does not read (%q, methods %q): teach registeredRoutes", pattern, methods)
		}
		routes[strings.TrimSuffix(pattern, "{$}")] = strings.Split(methods, ", ")
		return true
	})
	if len(routes) < 5 {
		t.Fatalf("server.go: found only %d routes (%v): has httpapi.New moved?", len(routes), routes)
	}
	return routes
}

// The document describes exactly the routes httpapi.New registers, with
// exactly their methods (HEAD goes with GET and is not listed).
func TestOpenAPIListsEveryRoute(t *testing.T) {
	d := loadAPIDoc(t)
	routes := registeredRoutes(t)
	for pattern, methods := range routes {
		item := d.doc.Paths.Value(pattern)
		if item == nil {
			t.Errorf("route %s (%v) is registered in httpapi.New but not described in %s", pattern, methods, openAPIPath)
			continue
		}
		documented := slices.Sorted(maps.Keys(item.Operations()))
		slices.Sort(methods)
		if !slices.Equal(documented, methods) {
			t.Errorf("route %s: serves %v, %s describes %v", pattern, methods, openAPIPath, documented)
		}
	}
	for path := range d.doc.Paths.Map() {
		if _, ok := routes[path]; !ok {
			t.Errorf("%s describes %s, which httpapi.New does not register", openAPIPath, path)
		}
	}
}
