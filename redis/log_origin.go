package redis

import (
	"crypto/rand"
	"strconv"
	"strings"

	"github.com/ssehub/ssehub"
)

// An origin marks the entries one Log value appends, so that its feed can
// hand the listener their Tickets (see ssehub.Listener.Deliver): each
// message is stored with a mark, the origin (random, of a fixed length,
// distinct per Log value) followed by the message's Ticket in decimal. The
// feed may read an entry before the append script's reply reaches Append,
// so the sequence number cannot be the link; with the ticket in the entry,
// the feed needs no table of the appends in flight.
type origin string

func newOrigin() origin { return origin(rand.Text()[:16] + ":") }

// mark is the stored form of ticket, appended by this origin.
func (o origin) mark(ticket ssehub.Ticket) string {
	return string(o) + strconv.FormatUint(uint64(ticket), 10)
}

// ticket returns the Ticket in a stored mark, or zero for an entry of
// another origin (another node, or this one before a restart).
func (o origin) ticket(mark string) ssehub.Ticket {
	s, ok := strings.CutPrefix(mark, string(o))
	if !ok {
		return 0
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0
	}
	return ssehub.Ticket(n)
}
