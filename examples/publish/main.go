// Command publish publishes one event to an ssehub server with the Go
// client (package client), as a backend would:
//
//	go run ./examples/publish -to alice -event chat '{"text": "hi"}'
//	go run ./examples/publish -topic room-1 'hello room'
//	go run ./examples/publish -broadcast -ephemeral 'the time is now'
//	SSEHUB_PUBLISH_KEY=... go run ./examples/publish -url https://hub.example.com -to alice hi
//
// It prints the event's id and how many streams it was queued for. A
// refusal prints the hub's reason and exits 1; a hub that is down or
// restarting is retried (with the same idempotency key, so the event is
// published once) for up to -wait.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/ssehub/ssehub/client"
)

func main() {
	err := run(context.Background(), os.Args[1:], os.Getenv("SSEHUB_PUBLISH_KEY"), os.Stdout)
	var usage usageError
	switch {
	case errors.Is(err, flag.ErrHelp):
		return
	case errors.As(err, &usage): // the flag package has said what is wrong, with the usage
		os.Exit(2)
	case err != nil:
		fmt.Fprintln(os.Stderr, "publish:", err)
		os.Exit(1)
	}
}

// usageError is a bad command line, already reported by the flag package.
type usageError struct{ error }

// multi is a repeatable string flag.
type multi []string

func (m *multi) String() string     { return strings.Join(*m, ",") }
func (m *multi) Set(v string) error { *m = append(*m, v); return nil }

// run publishes the event args describe, with the publish key key, and
// prints its receipt to out.
func run(ctx context.Context, args []string, key string, out io.Writer) error {
	fs := flag.NewFlagSet("publish", flag.ContinueOnError)
	url := fs.String("url", "http://localhost:3020", "the hub's base URL")
	var msg client.Message
	fs.Var((*multi)(&msg.Clients), "to", "a client id to publish to (repeatable)")
	fs.Var((*multi)(&msg.Topics), "topic", "a topic to publish to (repeatable)")
	fs.BoolVar(&msg.Broadcast, "broadcast", false, "publish to every stream")
	fs.BoolVar(&msg.Ephemeral, "ephemeral", false, "live only: not recorded, never replayed")
	fs.StringVar(&msg.Type, "event", "", "the event type (addEventListener's name); empty: message")
	wait := fs.Duration("wait", 30*time.Second, "how long to keep retrying a hub that is unavailable")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() != 1 {
		return errors.New("give the event's data as the one argument")
	}
	msg.Data = []byte(fs.Arg(0))

	c, err := client.New(*url, client.Options{PublishKey: key, MaxWait: *wait, MaxAttempts: 100})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, *wait)
	defer cancel()
	r, err := c.Publish(ctx, msg)
	switch {
	case errors.Is(err, client.ErrUnauthorized), errors.Is(err, client.ErrForbidden):
		return fmt.Errorf("%w (set SSEHUB_PUBLISH_KEY to one of the hub's -publish-key)", err)
	case err != nil:
		return err
	case r.ID == "":
		fmt.Fprintf(out, "live-only event queued for %d streams\n", r.Connections)
	default:
		fmt.Fprintf(out, "event %s queued for %d streams\n", r.ID, r.Connections)
	}
	return nil
}
