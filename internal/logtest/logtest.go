package logtest

import (
	"testing"

	"github.com/ssehub/ssehub"
)

// Run runs the conformance subtests against the logs open returns. open is
// called once per subtest and must return a new, empty log that retains what
// r allows.
func Run(t *testing.T, open func(t *testing.T, r ssehub.Retention) ssehub.Log) {
	s := &suite{open: open}
	tests := []struct {
		name string
		fn   func(*testing.T)
	}{
		{"SeqIncreasesByOne", s.testSeq},
		{"MessageFields", s.testMessageFields},
		{"ConcurrentAppend", s.testConcurrentAppend},
		{"ReadAfter", s.testReadAfter},
		{"ReadAfterEmpty", s.testReadAfterEmpty},
		{"ReadAfterFutureID", s.testReadAfterFuture},
		{"ReadAfterFnError", s.testReadAfterFnError},
		{"ReadAfterFnUnlocked", s.testReadAfterFnUnlocked},
		{"RetentionByCount", s.testRetentionByCount},
		{"RetentionByAge", s.testRetentionByAge},
		{"RetentionByBytes", s.testRetentionByBytes},
		{"AppendAfterClose", s.testAppendAfterClose},
		{"AppendBatch", s.testAppendBatch},
		{"DeliverGetsTheTicket", s.testDeliverTicket},
		{"HeadCoversDeliveryInProgress", s.testHeadCoversDeliveryInProgress},
		{"ResumeAtEveryPosition", s.testResumeAtEveryPosition},
		{"ConcurrentResumesSlowListener", s.testConcurrentResumes},
		{"ReadAfterBySubscription", s.testReadAfterBySubscription},
		{"RetentionByTarget", s.testRetentionByTarget},
		{"AppendOnce", s.testAppendOnce},
		{"AppendOnceConcurrent", s.testAppendOnceConcurrent},
		{"AppendOnceWindow", s.testAppendOnceWindow},
	}
	for _, tt := range tests {
		t.Run(tt.name, tt.fn)
	}
}

type suite struct {
	open func(t *testing.T, r ssehub.Retention) ssehub.Log
}

// newLog opens a log with a recording listener and closes it when t ends.
func (s *suite) newLog(t *testing.T, r ssehub.Retention) (ssehub.Log, *recorder) {
	t.Helper()
	l := s.open(t, r)
	rec := newRecorder(t)
	l.Listen(rec)
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return l, rec
}
