package sse_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/ssehub/ssehub/sse"
)

func ExampleAppendEvent() {
	var buf []byte
	buf = sse.AppendField(buf, "retry", "3000")
	buf = sse.AppendEvent(buf, "42", "update", []byte("first line\nsecond line\n"))
	buf = sse.AppendComment(buf, "heartbeat")
	buf = sse.AppendEvent(buf, "", "", nil)
	os.Stdout.Write(buf)
	// Output:
	// retry: 3000
	// id: 42
	// event: update
	// data: first line
	// data: second line
	// data:
	//
	// : heartbeat
	// data:
}

func ExampleReader() {
	stream := "retry: 3000\nid: 42\nevent: update\ndata: first line\ndata: second line\n\n" +
		": heartbeat\ndata: more\n\ndata: incomplete\n"
	r := sse.NewReader(strings.NewReader(stream))
	r.OnComment = func(text string) { fmt.Printf("comment %q\n", text) }
	for {
		ev, err := r.Next()
		if err != nil {
			fmt.Println(err)
			break
		}
		fmt.Printf("id=%q type=%q data=%q\n", ev.ID, ev.Type, ev.Data)
	}
	ms, _ := r.Retry()
	fmt.Println("retry", ms, "last id", r.LastEventID())
	// Output:
	// id="42" type="update" data="first line\nsecond line"
	// comment "heartbeat"
	// id="42" type="message" data="more"
	// EOF
	// retry 3000 last id 42
}
