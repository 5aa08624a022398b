package loadresult

import (
	"testing"
	"time"
)

func TestCompletionOf(t *testing.T) {
	if CompletionOf(nil, 3) != nil {
		t.Error("completion of no events")
	}
	var evs []EventTime
	for i := range 100 {
		evs = append(evs, EventTime{Seq: uint64(i), SentNs: 1000, LastNs: 1000 + int64(i+1)*int64(time.Millisecond), Deliveries: 3})
	}
	evs[7].Deliveries = 2
	c := CompletionOf(evs, 3)
	if c.Events != 100 || c.Complete != 99 || c.P50Ms != 50 || c.P99Ms != 99 || c.MaxMs != 100 {
		t.Errorf("completion %+v", c)
	}
	if one := CompletionOf(evs[41:42], 3); one.P50Ms != 42 || one.P99Ms != 42 || one.MaxMs != 42 {
		t.Errorf("one broadcast: %+v", one)
	}
	merged := MergeEvents(evs[:2], []EventTime{{Seq: 1, SentNs: 900, LastNs: 9e9, Deliveries: 4}, {Seq: 5, SentNs: 1, LastNs: 2, Deliveries: 1}})
	if len(merged) != 3 || merged[1] != (EventTime{Seq: 1, SentNs: 900, LastNs: 9e9, Deliveries: 7}) || merged[2].Seq != 5 {
		t.Errorf("merged %+v", merged)
	}
}
