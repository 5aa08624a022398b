// Package storekit is the part of a store author's toolkit that needs no
// type of package ssehub: target keys and their kinds (one set, also the
// kinds Metrics counts published messages by), the index of what retention
// dropped per target key and the rule deciding whether a stream lost an
// entry, the defaults of a retention's bounds, and visiting read entries.
//
// It exists to break a cycle: the root package (its MemoryLog, and the
// target kinds of its metrics) needs these pieces, and package store, which
// offers them to store authors typed over ssehub's values, imports the
// root. So the root and package store import storekit, and storekit imports
// nothing of ours. Nobody else should: a store author uses package store.
package storekit
