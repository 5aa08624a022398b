package bolt

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ssehub/ssehub"
	"github.com/ssehub/ssehub/internal/logtest"
	"github.com/ssehub/ssehub/internal/recent"
	bbolt "go.etcd.io/bbolt"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestConformance(t *testing.T) {
	logtest.Run(t, func(t *testing.T, r ssehub.Retention) ssehub.Log {
		l, err := Open(filepath.Join(t.TempDir(), "log.db"), r)
		if err != nil {
			t.Fatal(err)
		}
		return l
	})
}

// The same, with every read going to the file: the recent entries kept in
// memory are only a cache of it.
func TestConformanceFromFile(t *testing.T) {
	logtest.Run(t, openFromFile)
}

func openFromFile(t *testing.T, r ssehub.Retention) ssehub.Log {
	l, err := Open(filepath.Join(t.TempDir(), "log.db"), r)
	if err != nil {
		t.Fatal(err)
	}
	l.recent = recent.New(1)
	return l
}

// What Mercure subscriptions need: the fields kept, SeqOf, Oldest; from
// memory and from the file.
func TestEventIDConformance(t *testing.T) {
	logtest.RunEventIDLog(t, func(t *testing.T, r ssehub.Retention) ssehub.Log {
		return mustOpen(t, filepath.Join(t.TempDir(), "log.db"), r)
	})
}

func TestEventIDConformanceFromFile(t *testing.T) {
	logtest.RunEventIDLog(t, openFromFile)
}

// listenFunc is a Listener that calls itself with every entry.
type listenFunc func(*ssehub.Entry)

func (f listenFunc) Deliver(e *ssehub.Entry, _ ssehub.Ticket) { f(e) }
func (f listenFunc) Skip(uint64)                              {}

func mustOpen(t testing.TB, path string, r ssehub.Retention) *Log {
	t.Helper()
	l, err := Open(path, r)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func mustClose(t testing.TB, l *Log) {
	t.Helper()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
}

func broadcast(text string) *ssehub.Message {
	return &ssehub.Message{Broadcast: true, Data: []byte(text)}
}

func mustAppend(t testing.TB, l *Log, text string) *ssehub.Entry {
	t.Helper()
	e, err := l.Append(context.Background(), broadcast(text), 0)
	if err != nil {
		t.Fatalf("Append %q: %v", text, err)
	}
	return e
}

// readAll returns the entries after `after`.
func readAll(t testing.TB, l *Log, after uint64) (uint64, []*ssehub.Entry) {
	t.Helper()
	var es []*ssehub.Entry
	head, err := l.ReadAfter(context.Background(), after, nil, func(e *ssehub.Entry) error {
		es = append(es, e)
		return nil
	})
	if err != nil {
		t.Fatalf("ReadAfter(%d): %v", after, err)
	}
	return head, es
}

func TestNewFileStartsAtOne(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.db")
	l := mustOpen(t, path, ssehub.Retention{})
	defer mustClose(t, l)
	if head, es := readAll(t, l, 0); head != 0 || len(es) != 0 {
		t.Fatalf("new log: head %d, %d entries; want head 0 and none", head, len(es))
	}
	if e := mustAppend(t, l, "first"); e.Seq != 1 {
		t.Fatalf("first entry of a new log: Seq = %d, want 1", e.Seq)
	}
}

func TestOpenEmptyFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "empty.db")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	l := mustOpen(t, path, ssehub.Retention{})
	defer mustClose(t, l)
	if e := mustAppend(t, l, "first"); e.Seq != 1 {
		t.Fatalf("first entry: Seq = %d, want 1", e.Seq)
	}
}

func TestOpenEmptyPath(t *testing.T) {
	if _, err := Open("", ssehub.Retention{}); err == nil {
		t.Fatal(`Open("") succeeded`)
	}
}

func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.db")
	l := mustOpen(t, path, ssehub.Retention{})
	var want []*ssehub.Entry
	for i := range 10 {
		want = append(want, mustAppend(t, l, fmt.Sprintf("e%d\n\x00", i)))
	}
	mustClose(t, l)

	l = mustOpen(t, path, ssehub.Retention{})
	defer mustClose(t, l)
	head, got := readAll(t, l, 0)
	if head != 10 || len(got) != 10 {
		t.Fatalf("after reopen: head %d, %d entries; want head 10 and 10 entries", head, len(got))
	}
	for i, e := range got {
		if e.Seq != want[i].Seq || !bytes.Equal(e.Data, want[i].Data) || !e.Time.Equal(want[i].Time) || !e.Broadcast {
			t.Errorf("after reopen: entry %d = {%d %v %q}, want {%d %v %q}", i, e.Seq, e.Time, e.Data, want[i].Seq, want[i].Time, want[i].Data)
		}
	}
	if e := mustAppend(t, l, "after reopen"); e.Seq != 11 {
		t.Fatalf("first Append after reopen: Seq = %d, want 11", e.Seq)
	}
}

// The head survives retention deleting the entries before it, and a smaller
// retention on reopen applies at once.
func TestReopenKeepsHeadPastRetention(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.db")
	l := mustOpen(t, path, ssehub.Retention{MaxEntries: 10})
	for i := range 8 {
		mustAppend(t, l, fmt.Sprint(i))
	}
	mustClose(t, l)

	l = mustOpen(t, path, ssehub.Retention{MaxEntries: 2})
	defer mustClose(t, l)
	if _, err := l.ReadAfter(context.Background(), 5, nil, func(*ssehub.Entry) error { return nil }); !errors.Is(err, ssehub.ErrNotRetained) {
		t.Errorf("ReadAfter(5) with MaxEntries 2, head 8: error %v, want ErrNotRetained", err)
	}
	if head, es := readAll(t, l, 6); head != 8 || len(es) != 2 {
		t.Errorf("ReadAfter(6): head %d, %d entries; want 8 and 2", head, len(es))
	}
	if e := mustAppend(t, l, "next"); e.Seq != 9 {
		t.Errorf("Append after reopen: Seq = %d, want 9", e.Seq)
	}
	if err := l.db.View(func(tx *bbolt.Tx) error {
		if n := tx.Bucket(entriesBucket).Stats().KeyN; n != 2 {
			t.Errorf("%d entries stored, want 2 (MaxEntries)", n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

func wantOpenError(t *testing.T, path string, substr string) {
	t.Helper()
	before, _ := os.ReadFile(path)
	l, err := Open(path, ssehub.Retention{})
	if err == nil {
		l.Close()
		t.Fatalf("Open(%s) succeeded, want an error", path)
	}
	t.Logf("Open: %v", err)
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), substr) {
		t.Errorf("Open(%s) error = %q, want it to name the file and contain %q", path, err, substr)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(before, after) {
		t.Errorf("Open(%s) failed but changed the file", path)
	}
}

func TestOpenGarbage(t *testing.T) {
	dir := t.TempDir()
	random := make([]byte, 64<<10)
	rand.Read(random)
	for name, data := range map[string][]byte{
		"random.db": random,
		"text.db":   []byte("not a database\n"),
		"zeros.db":  make([]byte, 16<<10),
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		t.Run(name, func(t *testing.T) { wantOpenError(t, path, "not a bbolt database") })
	}
}

func TestOpenCorrupt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.db")
	l := mustOpen(t, path, ssehub.Retention{})
	for i := range 200 {
		mustAppend(t, l, fmt.Sprint(i))
	}
	var root uint64
	if err := l.db.View(func(tx *bbolt.Tx) error {
		root = uint64(tx.Bucket(entriesBucket).Root())
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	mustClose(t, l)
	if root == 0 {
		t.Fatal("entries bucket is inline; append more")
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	junk := make([]byte, os.Getpagesize())
	rand.Read(junk)
	_, err = f.WriteAt(junk, int64(root)*int64(len(junk)))
	if err := errors.Join(err, f.Close()); err != nil {
		t.Fatal(err)
	}
	wantOpenError(t, path, "corrupt")
}

func TestOpenForeignBolt(t *testing.T) {
	path := filepath.Join(t.TempDir(), "other.db")
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bbolt.Tx) error {
		b, err := tx.CreateBucket([]byte("users"))
		if err != nil {
			return err
		}
		return b.Put([]byte("alice"), []byte("admin"))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	wantOpenError(t, path, `not an ssehub log: it holds bucket(s) "users"`)
}

func TestOpenUnknownVersion(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.db")
	mustClose(t, mustOpen(t, path, ssehub.Retention{}))
	db, err := bbolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *bbolt.Tx) error {
		return tx.Bucket(metaBucket).Put(versionKey, binary.BigEndian.AppendUint64(nil, formatVersion+1))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	wantOpenError(t, path, fmt.Sprintf("unknown ssehub log format version %d", formatVersion+1))
}

func TestOpenLocked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.db")
	l := mustOpen(t, path, ssehub.Retention{})
	defer mustClose(t, l)
	start := time.Now()
	l2, err := Open(path, ssehub.Retention{})
	if err == nil {
		l2.Close()
		t.Fatal("second Open of a locked file succeeded")
	}
	if d := time.Since(start); d < lockTimeout/2 || d > 5*lockTimeout {
		t.Errorf("Open of a locked file failed after %v, want about %v", d, lockTimeout)
	}
	t.Logf("Open: %v", err)
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "locked") {
		t.Errorf("Open error = %q, want it to name the file and say it is locked", err)
	}
}

func TestFailedCommit(t *testing.T) {
	l := mustOpen(t, filepath.Join(t.TempDir(), "log.db"), ssehub.Retention{})
	defer mustClose(t, l)
	boom := errors.New("boom")
	var mu sync.Mutex
	fail := false
	l.failTx = func() error {
		mu.Lock()
		defer mu.Unlock()
		if fail {
			return boom
		}
		return nil
	}
	var delivered []uint64
	l.Listen(listenFunc(func(e *ssehub.Entry) { delivered = append(delivered, e.Seq) }))
	mustAppend(t, l, "ok")

	mu.Lock()
	fail = true
	mu.Unlock()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if e, err := l.Append(context.Background(), broadcast("fails"), 0); !errors.Is(err, boom) {
				t.Errorf("Append in a failing transaction = %v, %v; want an error wrapping %v", e, err, boom)
			}
		})
	}
	wg.Wait()
	mu.Lock()
	fail = false
	mu.Unlock()

	if e := mustAppend(t, l, "ok again"); e.Seq != 2 {
		t.Errorf("Append after failed transactions: Seq = %d, want 2 (numbers of failed appends reused)", e.Seq)
	}
	if want := []uint64{1, 2}; fmt.Sprint(delivered) != fmt.Sprint(want) {
		t.Errorf("listener got %v, want %v", delivered, want)
	}
	if head, es := readAll(t, l, 0); head != 2 || len(es) != 2 || string(es[1].Data) != "ok again" {
		t.Errorf("ReadAfter(0): head %d, %d entries, want head 2 and entries ok, ok again", head, len(es))
	}
}

// A commit that reports an error may still have reached the disk (an fsync
// error after the write): the Log must not number later events over it.
func TestFailedCommitStopsAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.db")
	l := mustOpen(t, path, ssehub.Retention{})
	mustAppend(t, l, "ok")
	if err := l.Check(context.Background()); err != nil {
		t.Errorf("Check before any failure: %v", err)
	}
	fsyncErr := errors.New("fsync: input/output error")
	l.commitTx = func(tx *bbolt.Tx) error {
		if err := tx.Commit(); err != nil {
			return err
		}
		return fsyncErr // written, but reported as failed
	}
	for _, data := range []string{"uncertain", "after the failure"} {
		if e, err := l.Append(context.Background(), broadcast(data), 0); !errors.Is(err, fsyncErr) {
			t.Errorf("Append(%q) = %v, %v; want an error wrapping %v", data, e, err, fsyncErr)
		}
	}
	if err := l.Check(context.Background()); !errors.Is(err, fsyncErr) {
		t.Errorf("Check after the failed commit: %v, want the failure (the hub is not ready)", err)
	}
	mustClose(t, l)

	l = mustOpen(t, path, ssehub.Retention{})
	defer mustClose(t, l)
	head, es := readAll(t, l, 0)
	if head != 2 || len(es) != 2 || string(es[1].Data) != "uncertain" {
		t.Fatalf("after reopening: head %d, %d entries; want the uncertain commit as entry 2", head, len(es))
	}
	if e := mustAppend(t, l, "next"); e.Seq != 3 {
		t.Errorf("Append after reopening: Seq = %d, want 3", e.Seq)
	}
}

func TestAppendCanceledContext(t *testing.T) {
	l := mustOpen(t, filepath.Join(t.TempDir(), "log.db"), ssehub.Retention{})
	defer mustClose(t, l)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if e, err := l.Append(ctx, broadcast("x"), 0); !errors.Is(err, context.Canceled) {
		t.Fatalf("Append with a canceled context = %v, %v; want context.Canceled", e, err)
	}
	if e := mustAppend(t, l, "y"); e.Seq != 1 {
		t.Fatalf("Seq = %d, want 1", e.Seq)
	}
}

// Appends racing with Close either succeed, and are then durable, or
// return ErrClosed.
func TestCloseDuringAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log.db")
	l := mustOpen(t, path, ssehub.Retention{})
	var mu sync.Mutex
	var acked []uint64
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for {
				e, err := l.Append(context.Background(), broadcast("x"), 0)
				if errors.Is(err, ssehub.ErrClosed) {
					return
				}
				if err != nil {
					t.Errorf("Append during Close: %v, want success or ErrClosed", err)
					return
				}
				mu.Lock()
				acked = append(acked, e.Seq)
				mu.Unlock()
			}
		})
	}
	time.Sleep(50 * time.Millisecond)
	mustClose(t, l)
	wg.Wait()
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}

	l = mustOpen(t, path, ssehub.Retention{})
	defer mustClose(t, l)
	head, _ := readAll(t, l, 0)
	for _, seq := range acked {
		if seq > head {
			t.Fatalf("Append acknowledged %d, but the head after reopening is %d", seq, head)
		}
	}
	if uint64(len(acked)) != head {
		t.Errorf("%d Appends acknowledged, but the head after reopening is %d", len(acked), head)
	}
}

const crashEnv = "SSEHUB_BOLT_CRASH_CHILD"

// TestCrash kills a process appending to a log and checks that every
// acknowledged entry survived.
func TestCrash(t *testing.T) {
	if path := os.Getenv(crashEnv); path != "" {
		crashChild(path)
		return
	}
	if testing.Short() {
		t.Skip("starts a child process")
	}
	const wantAcks = 500
	path := filepath.Join(t.TempDir(), "crash.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrash$", "-test.timeout=60s")
	cmd.Env = append(os.Environ(), crashEnv+"="+path)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	acked := make(map[uint64]bool)
	var maxAcked uint64
	killed := false
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		s, ok := strings.CutPrefix(sc.Text(), "ack ")
		if !ok {
			continue
		}
		seq, err := strconv.ParseUint(s, 10, 64)
		if err != nil || acked[seq] {
			t.Errorf("child printed %q: bad or repeated sequence number", sc.Text())
		}
		acked[seq] = true
		maxAcked = max(maxAcked, seq)
		if len(acked) == wantAcks && !killed {
			if err := cmd.Process.Kill(); err != nil {
				t.Fatal(err)
			}
			killed = true
		}
		// Keep reading: acks printed before the kill landed count too.
	}
	err = cmd.Wait()
	if !killed {
		t.Fatalf("child exited after %d acks (%v); stderr:\n%s", len(acked), err, stderr.Bytes())
	}
	t.Logf("child killed after %d acknowledged appends (newest %d)", len(acked), maxAcked)

	l := mustOpen(t, path, ssehub.Retention{MaxEntries: 1_000_000})
	defer mustClose(t, l)
	head, es := readAll(t, l, 0)
	if head < maxAcked {
		t.Fatalf("head after the crash = %d, but %d was acknowledged", head, maxAcked)
	}
	for i, e := range es {
		if e.Seq != uint64(i)+1 {
			t.Fatalf("entry %d has Seq %d, want %d", i, e.Seq, i+1)
		}
		if !bytes.HasPrefix(e.Data, []byte("child ")) {
			t.Errorf("entry %d: Data = %q, want the child's", e.Seq, e.Data)
		}
		delete(acked, e.Seq)
	}
	if len(acked) > 0 {
		t.Fatalf("%d acknowledged entries missing after the crash (head %d)", len(acked), head)
	}
	if e := mustAppend(t, l, "after crash"); e.Seq <= maxAcked || e.Seq != head+1 {
		t.Fatalf("Append after the crash: Seq = %d, want %d (above every acknowledged %d)", e.Seq, head+1, maxAcked)
	}
}

// crashChild appends from several goroutines and prints each acknowledged
// sequence number, until it is killed (or gives up after 30s).
func crashChild(path string) {
	l, err := Open(path, ssehub.Retention{MaxEntries: 1_000_000})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var mu sync.Mutex
	deadline := time.Now().Add(30 * time.Second)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := 0; time.Now().Before(deadline); i++ {
				e, err := l.Append(context.Background(), broadcast(fmt.Sprintf("child %d-%d", g, i)), 0)
				if err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(2)
				}
				mu.Lock()
				fmt.Fprintf(os.Stdout, "ack %d\n", e.Seq) // os.Stdout is unbuffered
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	fmt.Fprintln(os.Stderr, "not killed within 30s")
	os.Exit(3)
}

func BenchmarkAppend(b *testing.B) {
	l := mustOpen(b, filepath.Join(b.TempDir(), "bench.db"), ssehub.Retention{})
	defer mustClose(b, l)
	m := broadcast(`{"id":42,"text":"hello, world"}`)
	b.SetParallelism(32) // 32 appenders per CPU
	commits := l.commits.Load()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := l.Append(context.Background(), m, 0); err != nil {
				b.Error(err)
				return
			}
		}
	})
	report(b, l.commits.Load()-commits)
}

func BenchmarkAppendSerial(b *testing.B) {
	l := mustOpen(b, filepath.Join(b.TempDir(), "bench.db"), ssehub.Retention{})
	defer mustClose(b, l)
	m := broadcast(`{"id":42,"text":"hello, world"}`)
	commits := l.commits.Load()
	b.ResetTimer()
	for range b.N {
		if _, err := l.Append(context.Background(), m, 0); err != nil {
			b.Fatal(err)
		}
	}
	report(b, l.commits.Load()-commits)
}

func report(b *testing.B, commits uint64) {
	b.StopTimer()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	if commits > 0 {
		b.ReportMetric(float64(b.N)/float64(commits), "events/commit")
	}
}

// A replay longer than one read chunk comes back whole and in order.
func TestReadAfterAcrossChunks(t *testing.T) {
	l := mustOpen(t, filepath.Join(t.TempDir(), "log.db"), ssehub.Retention{})
	defer mustClose(t, l)
	msgs := make([]*ssehub.Message, 3*readChunk+7)
	for i := range msgs {
		msgs[i] = broadcast(fmt.Sprint(i))
	}
	es, err := l.AppendBatch(context.Background(), msgs, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []uint64
	head, err := l.ReadAfter(context.Background(), es[0].Seq-1, nil, func(e *ssehub.Entry) error {
		if string(e.Data) != fmt.Sprint(len(got)) {
			return fmt.Errorf("entry %d has data %q", e.Seq, e.Data)
		}
		got = append(got, e.Seq)
		return nil
	})
	if err != nil || head != es[len(es)-1].Seq || len(got) != len(es) {
		t.Fatalf("ReadAfter: %v, head %d, %d entries; want nil, %d, %d", err, head, len(got), es[len(es)-1].Seq, len(es))
	}
	for i, seq := range got {
		if seq != es[i].Seq {
			t.Fatalf("entry %d: seq %d, want %d", i, seq, es[i].Seq)
		}
	}
}

// A reader slower than retention's turnover is told, part way, that the rest
// of what it asked for is gone: never handed a later entry in its place.
func TestReadAfterOvertakenByRetention(t *testing.T) {
	l := mustOpen(t, filepath.Join(t.TempDir(), "log.db"), ssehub.Retention{MaxEntries: 2 * readChunk})
	defer mustClose(t, l)
	l.recent = recent.New(1) // read from the file
	first := mustAppend(t, l, "0")
	for i := 1; i < 2*readChunk; i++ {
		mustAppend(t, l, fmt.Sprint(i))
	}
	var got []uint64
	_, err := l.ReadAfter(context.Background(), first.Seq-1, nil, func(e *ssehub.Entry) error {
		if len(got) == 0 { // meanwhile, a whole history's worth is published
			for i := 0; i < 2*readChunk; i++ {
				mustAppend(t, l, "new")
			}
		}
		got = append(got, e.Seq)
		return nil
	})
	if !errors.Is(err, ssehub.ErrNotRetained) {
		t.Fatalf("ReadAfter: %v, want ErrNotRetained", err)
	}
	if len(got) != readChunk {
		t.Errorf("read %d entries before the loss was noticed, want the first chunk, %d", len(got), readChunk)
	}
	for i, seq := range got {
		if seq != first.Seq+uint64(i) {
			t.Fatalf("entry %d: seq %d, want %d", i, seq, first.Seq+uint64(i))
		}
	}
}
