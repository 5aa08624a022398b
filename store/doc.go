// Package store is what an author of an ssehub.Log needs, beyond the Log
// contract itself (package ssehub) and its conformance suite: the binary
// form of entries (MarshalEntry, UnmarshalEntry), target keys and visiting
// the keys of a message or a subscription (TargetKey, MessageKeys,
// SubscriptionKeys), the dropped-targets index and the rule deciding
// whether a resuming stream lost an entry (DroppedIndex, Lost), the
// resolved bounds of a Retention (MaxEntries, MaxBytes, KeyWindow), and
// Visit, with which a read ends.
//
// The logs of this module (packages bolt and redis) import it. An embedder,
// who only picks a Log and hands it to ssehub.New, never has to.
//
// The stored forms here (an entry's encoding, a target key's String) are in
// the files and Redis keys of existing stores: they never change.
package store
