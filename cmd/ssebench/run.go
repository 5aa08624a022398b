package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/ssehub/ssehub/internal/loadresult"

	"github.com/ssehub/ssehub/internal/procstat"
)

// Run performs one scenario of cfg and returns its figures. It opens the
// streams, waits cfg.Settle, measures memory, runs the scenario and closes
// every stream before returning; it never runs past cfg.Timeout by more than
// the bounded shutdown of the streams.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if err := cfg.normalize(); err != nil {
		return nil, err
	}
	limit, err := raiseNoFile()
	if err != nil {
		return nil, fmt.Errorf("RLIMIT_NOFILE: %v", err)
	}
	if need := uint64(cfg.filesNeeded()); need > limit {
		return nil, fmt.Errorf("%d streams need %d open files, the limit is %d: run several ssebench processes (doc.go, Clusters)", cfg.Conns, need, limit)
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.Timeout)
	defer cancel()
	b, err := newBench(ctx, cfg)
	if err != nil {
		return nil, err
	}
	defer b.stop()
	res := newResult(cfg)
	if err := b.setUp(ctx, res); err != nil {
		return res, err
	}
	if len(cfg.PIDs) > 0 && (cfg.Listen || cfg.IDPrefix != "") {
		res.Notes = append(res.Notes, loadresult.SideBySideNote)
	}
	if cfg.ReadyFile != "" {
		if err := writeReady(cfg.ReadyFile, res.Connected); err != nil {
			return res, err
		}
	}
	switch cfg.Scenario {
	case "idle":
		err = runIdle(ctx, b, res)
	case "fanout":
		err = runFanout(ctx, b, res)
	case "latency":
		err = runLatency(ctx, b, res)
	case "targeted":
		err = runTargeted(ctx, b, res)
	case "churn":
		err = runChurn(ctx, b, res)
	case "storm":
		err = runStorm(ctx, b, res)
	}
	if e := b.stop(); e != nil {
		res.Notes = append(res.Notes, e.Error())
	}
	if b.h2 != nil {
		res.H2Conns = b.h2.Dials()
	}
	res.TimedOut = errors.Is(ctx.Err(), context.DeadlineExceeded)
	return res, err
}

// setUp opens every stream, waits cfg.Settle and reads the server's and the
// tool's memory before and after.
func (b *bench) setUp(ctx context.Context, res *Result) error {
	cfg := b.cfg
	srv0, err := procstat.VmRSSAll(cfg.PIDs)
	if err != nil {
		return err
	}
	tool0, _ := procstat.VmRSS(0)
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)
	fmt.Fprintf(cfg.Log, "ssebench: opening %d streams to %s from %d source address(es)\n", cfg.Conns, b.addrs(), len(b.dialers))
	b.openAll(res)
	fmt.Fprintf(cfg.Log, "ssebench: %d streams open in %.2fs\n", res.Connected, res.ConnectSeconds)
	if res.Connected == 0 {
		return fmt.Errorf("no stream opened%s", loadresult.FormatTallies(":", res.ConnectErrors))
	}
	sleepCtx(ctx, cfg.Settle)
	tool1, _ := procstat.VmRSS(0)
	runtime.ReadMemStats(&ms1)
	n := float64(res.Connected)
	res.ToolRSSBeforeKiB, res.ToolRSSAfterKiB = tool0, tool1
	res.ToolKiBPerConn = float64(tool1-tool0) / n
	res.ToolStackKiBPerConn = (float64(ms1.StackInuse) - float64(ms0.StackInuse)) / 1024 / n
	res.ToolHeapKiBPerConn = (float64(ms1.HeapInuse) - float64(ms0.HeapInuse)) / 1024 / n
	if len(cfg.PIDs) > 0 {
		srv1, err := procstat.VmRSSAll(cfg.PIDs)
		if err != nil {
			return err
		}
		setServerRSS(res, cfg.PIDs, srv0, srv1)
	}
	return ctx.Err()
}

// runPublishing publishes plan, waits for the deliveries, closes the streams
// and fills in res. publishFor bounds the publishing phase (0: the run's
// timeout only); quiet, when not 0, ends the drain once no delivery arrived
// for that long.
func (b *bench) runPublishing(ctx context.Context, res *Result, plan pubPlan, publishFor, quiet time.Duration) *pubStats {
	cfg := b.cfg
	plan.maxWorkers = max(plan.maxWorkers, plan.workers)
	plan.batch = max(cfg.Batch, 1)
	p := newPublisher(b.targets, &cfg, b.tlsBase, plan.maxWorkers)
	defer p.close()
	m := procstat.StartMeter(cfg.PIDs)
	pctx, cancel := ctx, context.CancelFunc(func() {})
	if publishFor > 0 {
		pctx, cancel = context.WithTimeout(ctx, publishFor)
	}
	st := b.publishAll(pctx, ctx, p, plan)
	cancel()
	setPublish(res, st)
	fmt.Fprintf(cfg.Log, "ssebench: %d events published, waiting for %d deliveries\n", st.ok, st.expected.Load())
	res.Drained = b.drain(ctx, st.expected.Load(), cfg.Drain, quiet)
	setCPU(res, m)
	if err := b.stop(); err != nil {
		res.Notes = append(res.Notes, err.Error())
	}
	b.collect(res, st.first)
	if res.Received > 0 {
		res.ToolCPUPerEvent = res.ToolCPUSeconds * 1e6 / float64(res.Received)
	}
	return st
}

// writeReady writes path, holding the number of streams open, once they
// are open and settled: a script starts the process that publishes once
// every listening process wrote its file. The file appears whole (written
// aside, then renamed), so its existence is the signal.
func writeReady(path string, streams int) error {
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, fmt.Appendf(nil, "%d\n", streams), 0o644); err != nil {
		return fmt.Errorf("-ready-file: %v", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("-ready-file: %v", err)
	}
	return nil
}
