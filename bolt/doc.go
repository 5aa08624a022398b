// Package bolt is a durable [ssehub.Log] stored in a single bbolt
// (go.etcd.io/bbolt) database file, so that event ids keep increasing and
// retained history survives a restart of the hub.
//
// # File layout
//
// The file holds these buckets:
//
//	"entries"   key: the sequence number, 8 bytes big-endian
//	            value: the entry as encoded by store.MarshalEntry
//	"meta"      "version": the format version, 8 bytes big-endian (2 or 3)
//	            "head":    the newest sequence number ever committed, 8
//	                       bytes big-endian
//	            "bytes", "dropfloor", "dropany", "dropcount": the stored
//	                       entries' size and the dropped index's counters
//	"dropped"   target key → the newest entry dropped with it
//	"eventids"  Message.EventID → the sequence number of the newest stored
//	            entry appended with it, 8 bytes big-endian ([Log.SeqOf];
//	            version 3)
//	"keys", "keytimes"  idempotency keys (made when first needed)
//
// The keys in "entries" are consecutive; retention deletes from the oldest
// end. An event id is indexed in the transaction that puts its entry, and
// leaves the index in the one that deletes that entry (unless a newer entry
// took the id over), so the index is bounded by retention as the entries
// are.
//
// Version 1 had no "dropped" bucket: Open upgrades it to version 2. A log
// becomes version 3 ("eventids") in the transaction that stores its first
// entry with an EventID, Private or Retry (store's entry codec version 2).
// So a file that never held such an entry stays readable by the releases
// that know only version 2, and one that did is refused by them at Open
// ("unknown ssehub log format version 3") rather than failing on the
// first entry they cannot decode. The head is kept apart from the entries so that numbering continues
// even when retention has deleted every entry. A new file starts with head 0,
// so its first entry is numbered 1.
//
// [Open] refuses a file that is not a bbolt database, that is corrupt, that
// holds other buckets but not ours, or whose format version it does not know;
// it never starts afresh over an existing file. To find corruption early,
// Open runs bbolt's consistency check (Tx.Check), which reads the whole file;
// the retention limits keep it small. A file locked by another process (or
// by another Log in this one) makes Open fail after one second.
//
// # Durability
//
// [Log.Append] returns only after the transaction holding its entry has
// been committed and fsynced, and the entry passed to the listener. Appends
// are group-committed: one goroutine takes every Append waiting at that
// moment (at most 1000) into one transaction, so concurrent publishers share
// one fsync. After the commit it passes the entries to the listener in order,
// then answers each Append. If the transaction fails before its commit,
// every Append of the batch returns the error, nothing is delivered, and the
// next batch reuses the sequence numbers. If the commit itself fails (a
// write or fsync error), part of the batch may still reach the disk, so
// reusing its numbers could give two events one id: the Log fails that batch
// and every later Append, and the hub must be restarted (Open then checks the
// file and resumes from what was durable).
//
// Once the committer has taken an Append, the Append waits for the outcome
// even if its context is cancelled, so that a publisher is never told an
// event failed that was in fact published. The context is only checked
// before that.
//
// Retention (by count and by age) is applied in the same transactions, by
// deleting the oldest entries. [Log.ReadAfter] also treats entries older than
// MaxAge as not retained even when no Append has deleted them yet.
//
// ReadAfter reports as head the newest entry already passed to the listener:
// an entry that is committed but not yet delivered is not read. Everything up
// to the head returned has been delivered, and everything after it will be.
// It decodes a few hundred entries per read transaction and calls its
// function between transactions, so a replay of the whole history holds
// little memory and no transaction waits on a slow client. If retention
// deletes the entries still to be read meanwhile, ReadAfter stops with
// ssehub.ErrNotRetained.
//
// # Close
//
// [Log.Close] stops the committer: a batch already taken is committed (or
// fails) and answered first; every Append not yet taken returns
// ssehub.ErrClosed. Close then closes the file and returns when no goroutine
// of the Log is left.
//
// Who imports it: an application that wants a durable history (cmd/ssehub
// with -store bolt:PATH). It imports ssehub and store.
package bolt
