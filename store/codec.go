package store

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/ssehub/ssehub"
)

// Entries are stored by durable logs in a compact binary form:
//
//	version byte (1 or 2)
//	uvarint seq, varint unix nanoseconds, flags byte (bit 0: broadcast,
//	                                      bit 1: private; version 2)
//	uvarint count, then count × (uvarint length, bytes)   clients
//	uvarint count, then count × (uvarint length, bytes)   topics
//	uvarint length, bytes                                 type
//	uvarint length, bytes                                 data
//	version 2 only:
//	uvarint length, bytes                                 event id
//	varint nanoseconds                                    retry
//
// MarshalEntry writes version 1 when the entry has none of the fields
// version 2 added (no EventID, not Private, no Retry): an entry of an
// ssehub publish is then encoded byte for byte as before, and a file
// holding only such entries stays readable by a program that knows only
// version 1. UnmarshalEntry reads both.
const (
	entryCodecVersion1 = 1
	entryCodecVersion2 = 2
)

// Flag bits of the flags byte.
const (
	flagBroadcast = 1 << 0
	flagPrivate   = 1 << 1
)

var errCorruptEntry = errors.New("ssehub: corrupt entry encoding")

// MarshalEntry encodes e for a durable log.
func MarshalEntry(e *ssehub.Entry) []byte {
	n := 1 + 3*binary.MaxVarintLen64 + 1 + len(e.Type) + len(e.Data) + 4*binary.MaxVarintLen64 +
		len(e.EventID) + 2*binary.MaxVarintLen64
	for _, s := range e.Clients {
		n += binary.MaxVarintLen64 + len(s)
	}
	for _, s := range e.Topics {
		n += binary.MaxVarintLen64 + len(s)
	}
	b := make([]byte, 0, n)
	v2 := e.EventID != "" || e.Private || e.Retry != 0
	version := byte(entryCodecVersion1)
	if v2 {
		version = entryCodecVersion2
	}
	b = append(b, version)
	b = binary.AppendUvarint(b, e.Seq)
	b = binary.AppendVarint(b, e.Time.UnixNano())
	var flags byte
	if e.Broadcast {
		flags |= flagBroadcast
	}
	if e.Private {
		flags |= flagPrivate
	}
	b = append(b, flags)
	b = appendStrings(b, e.Clients)
	b = appendStrings(b, e.Topics)
	b = appendBytes(b, []byte(e.Type))
	b = appendBytes(b, e.Data)
	if v2 {
		b = appendBytes(b, []byte(e.EventID))
		b = binary.AppendVarint(b, int64(e.Retry))
	}
	return b
}

// UnmarshalEntry decodes into e an entry encoded by MarshalEntry, of
// either version. It copies what it keeps, so b may be reused (as bbolt
// requires). An unknown flag bit, or a version 1 encoding with the private
// bit, is corruption.
func UnmarshalEntry(b []byte, e *ssehub.Entry) error {
	d := decoder{b: b}
	version := d.byte()
	if version != entryCodecVersion1 && version != entryCodecVersion2 {
		return errCorruptEntry
	}
	e.Seq = d.uvarint()
	e.Time = time.Unix(0, d.varint())
	flags := d.byte()
	known := byte(flagBroadcast)
	if version == entryCodecVersion2 {
		known |= flagPrivate
	}
	e.Broadcast = flags&flagBroadcast != 0
	e.Private = flags&flagPrivate != 0
	e.Clients = d.strings()
	e.Topics = d.strings()
	e.Type = string(d.bytes())
	e.Data = append([]byte(nil), d.bytes()...)
	e.EventID, e.Retry = "", 0
	if version == entryCodecVersion2 {
		e.EventID = string(d.bytes())
		e.Retry = time.Duration(d.varint())
	}
	if d.err || len(d.b) != 0 || flags&^known != 0 {
		return errCorruptEntry
	}
	return nil
}

func appendBytes(b, s []byte) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendStrings(b []byte, ss []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(ss)))
	for _, s := range ss {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b
}

// decoder reads the fields MarshalEntry writes; the first short read sets
// err and every later read returns zero values.
type decoder struct {
	b   []byte
	err bool
}

func (d *decoder) byte() byte {
	if len(d.b) == 0 {
		d.err = true
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = true
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) bytes() []byte {
	n := d.uvarint()
	if d.err || n > uint64(len(d.b)) {
		d.err = true
		return nil
	}
	s := d.b[:n]
	d.b = d.b[n:]
	return s
}

func (d *decoder) strings() []string {
	n := d.uvarint()
	if d.err || n > uint64(len(d.b)) { // each string takes at least one byte
		d.err = true
		return nil
	}
	var ss []string
	for i := uint64(0); i < n && !d.err; i++ {
		ss = append(ss, string(d.bytes()))
	}
	return ss
}
