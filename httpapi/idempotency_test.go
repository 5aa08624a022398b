package httpapi_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
)

// A publish repeated with the same Idempotency-Key and body is answered with
// the first receipt, marked repeated, and publishes nothing; with another
// body it is refused with 422.
func TestIdempotencyKey(t *testing.T) {
	ts := newTestServer(t, ssehub.Config{})
	s := ts.openStream(t, "id=alice", nil)
	body := "client=alice&data=once"
	var first, again map[string]any
	code, _, b := ts.send(t, "POST", "/publish", body, "Idempotency-Key: abc-123")
	if code != http.StatusOK || json.Unmarshal(b, &first) != nil || first["repeated"] != nil {
		t.Fatalf("first publish: %d %s", code, b)
	}
	s.Expect(t, "once")
	code, _, b = ts.send(t, "POST", "/publish", body, "Idempotency-Key: abc-123")
	if code != http.StatusOK || json.Unmarshal(b, &again) != nil || again["id"] != first["id"] || again["repeated"] != true {
		t.Fatalf("retry: %d %s, want the first id (%v), repeated", code, b, first["id"])
	}
	s.ExpectNone(t, 50*time.Millisecond)
	code, h, b := ts.send(t, "POST", "/publish", "client=alice&data=other", "Idempotency-Key: abc-123")
	checkError(t, code, h, b, http.StatusUnprocessableEntity, "Idempotency-Key")
	code, h, b = ts.send(t, "POST", "/publish", body, "Idempotency-Key: not ascii é")
	checkError(t, code, h, b, http.StatusBadRequest, "idempotency key")

	// A batch, the same.
	batch := `[{"clients": ["alice"], "data": "b1"}, {"clients": ["alice"], "data": "b2"}]`
	var r1, r2 []map[string]any
	for _, r := range []*[]map[string]any{&r1, &r2} {
		code, _, b := ts.sendJSON(t, batch, "Idempotency-Key: batch-1")
		if code != http.StatusOK || json.Unmarshal(b, r) != nil || len(*r) != 2 {
			t.Fatalf("batch: %d %s", code, b)
		}
	}
	if r2[0]["id"] != r1[0]["id"] || r2[1]["id"] != r1[1]["id"] || r2[1]["repeated"] != true {
		t.Errorf("batch retry %v, want the first ids %v, repeated", r2, r1)
	}
	s.Expect(t, "b1", "b2")
	s.ExpectNone(t, 50*time.Millisecond)
}

// plainLog is a Log that is not an IdempotentLog.
type plainLog struct{ ssehub.Log }

// With a store that cannot keep idempotency keys, a keyed publish is refused
// with 501 and publishes nothing; without a key it works.
func TestIdempotencyKeyWithoutSupport(t *testing.T) {
	ts := newTestServer(t, ssehub.Config{Log: plainLog{ssehub.NewMemoryLog(ssehub.Retention{})}})
	s := ts.openStream(t, "id=alice", nil)
	code, h, b := ts.send(t, "POST", "/publish", "client=alice&data=x", "Idempotency-Key: k")
	checkError(t, code, h, b, http.StatusNotImplemented, "Idempotency-Key")
	s.ExpectNone(t, 20*time.Millisecond)
	if code, _, b := ts.send(t, "POST", "/publish", "client=alice&data=y"); code != http.StatusOK {
		t.Errorf("publish without a key: %d %s", code, b)
	}
	s.Expect(t, "y")
}
