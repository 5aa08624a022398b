package redis

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	goredis "github.com/redis/go-redis/v9"
	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/store"
)

// An entry is stored as a stream entry with id <seq>-0 and the fields
//
//	t  the append time, microseconds since the Unix epoch (Redis's clock)
//	s  Entry.Size, which MaxBytes bounds
//	n  the mark of the node that appended it: its origin and the
//	   message's ssehub.Ticket (see origin)
//	k  the target keys (store.TargetKey.String), one per line, in
//	   store.MessageKeys's order: "*" for a broadcast, "c"+client
//	   id, "t"+topic
//	y  the event type
//	d  the data
//	i  Message.EventID, when set (the ids hash indexes it)
//	p  "1" when Message.Private
//	r  Message.Retry in nanoseconds, when not zero
//
// The last three are absent from an entry without them: an entry of
// ssehub's own API is stored as before they existed, and one written by an
// earlier version decodes with them unset.
//
// The targets are plain text so that the scripts can record the keys of
// the entries retention drops; client ids and topics never hold a line
// break (ssehub.ValidateName). Decoding the keys in order gives back
// Broadcast, Clients and Topics exactly.

// errLineBreak refuses a name the targets field could not carry; a
// validated message never has one.
var errLineBreak = fmt.Errorf("%w: a client id or topic holds a line break", ssehub.ErrInvalid)

// encodeTargets returns the k field of m.
func encodeTargets(m *ssehub.Message) (string, error) {
	var b strings.Builder
	var err error
	for k := range store.MessageKeys(m) {
		if strings.ContainsAny(k.Name, "\n") {
			err = errLineBreak
		}
		if b.Len() > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(k.String())
	}
	return b.String(), err
}

var errCorrupt = errors.New("redis log: corrupt stream entry")

// decodeEntry decodes a stream entry. The Entry owns its memory.
func decodeEntry(x goredis.XMessage) (*ssehub.Entry, error) {
	seq, err := parseID(x.ID)
	if err != nil {
		return nil, err
	}
	t, _ := x.Values["t"].(string)
	micros, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%w %s: time %q", errCorrupt, x.ID, t)
	}
	e := &ssehub.Entry{Seq: seq, Time: time.UnixMicro(micros)}
	targets, _ := x.Values["k"].(string)
	if err := decodeTargets(&e.Message, targets); err != nil {
		return nil, fmt.Errorf("%w %s: %w", errCorrupt, x.ID, err)
	}
	e.Type, _ = x.Values["y"].(string)
	if d, _ := x.Values["d"].(string); d != "" {
		e.Data = []byte(d)
	}
	if err := decodeMercure(&e.Message, x.Values); err != nil {
		return nil, fmt.Errorf("%w %s: %w", errCorrupt, x.ID, err)
	}
	return e, nil
}

// mercureArgs returns the append script's last three arguments for a
// message with an event id, the private flag or a retry: each, "" when
// unset. It returns nil for a message with none of them.
func mercureArgs(m *ssehub.Message) []any {
	if m.EventID == "" && !m.Private && m.Retry == 0 {
		return nil
	}
	private, retry := "", ""
	if m.Private {
		private = "1"
	}
	if m.Retry != 0 {
		retry = strconv.FormatInt(int64(m.Retry), 10)
	}
	return []any{m.EventID, private, retry}
}

// decodeMercure sets m's EventID, Private and Retry from the fields i, p
// and r, absent when unset.
func decodeMercure(m *ssehub.Message, values map[string]any) error {
	m.EventID, _ = values["i"].(string)
	switch p, _ := values["p"].(string); p {
	case "", "1":
		m.Private = p == "1"
	default:
		return fmt.Errorf("private flag %q", p)
	}
	if r, _ := values["r"].(string); r != "" {
		ns, err := strconv.ParseInt(r, 10, 64)
		if err != nil {
			return fmt.Errorf("retry %q", r)
		}
		m.Retry = time.Duration(ns)
	}
	return nil
}

func decodeTargets(m *ssehub.Message, s string) error {
	for line := range strings.SplitSeq(s, "\n") {
		if line == "" {
			continue
		}
		k, ok := store.ParseTargetKey(line)
		if !ok {
			return fmt.Errorf("target key %q", line)
		}
		switch k.Kind {
		case store.TargetBroadcast:
			m.Broadcast = true
		case store.TargetClient:
			m.Clients = append(m.Clients, k.Name)
		case store.TargetTopic:
			m.Topics = append(m.Topics, k.Name)
		}
	}
	return nil
}

// streamID is the stream id of entry seq.
func streamID(seq uint64) string { return strconv.FormatUint(seq, 10) + "-0" }

// parseID returns the seq of a stream id <seq>-0.
func parseID(id string) (uint64, error) {
	s, ok := strings.CutSuffix(id, "-0")
	seq, err := strconv.ParseUint(s, 10, 64)
	if !ok || err != nil {
		return 0, fmt.Errorf("%w: id %q", errCorrupt, id)
	}
	return seq, nil
}
