package main

import (
	"context"
	"math"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// op is one timed request. It returns the lease it created, if any, so the
// lease can be revoked outside the timed section.
type op func(ctx context.Context) (leaseID string, err error)

// loadResult is what one closed-loop run measured.
type loadResult struct {
	ops       int
	elapsed   time.Duration
	latencies []time.Duration // sorted
	leases    []string
}

func (r loadResult) perSecond() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.ops) / r.elapsed.Seconds()
}

// percentile is the nearest-rank percentile (0 < p <= 100) of the
// latencies.
func (r loadResult) percentile(p float64) time.Duration {
	n := len(r.latencies)
	if n == 0 {
		return 0
	}
	rank := int(math.Ceil(float64(n)*p/100)) - 1
	return r.latencies[min(max(rank, 0), n-1)]
}

// runLoad keeps conc requests in flight (each worker sends its next request
// as soon as the last one answers) until d has passed or maxOps requests were
// started, whichever comes first. The first error stops the run.
func runLoad(ctx context.Context, conc int, d time.Duration, maxOps int, do op) (loadResult, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	deadline := time.Now().Add(d)
	var started atomic.Int64

	type workerResult struct {
		latencies []time.Duration
		leases    []string
		err       error
	}
	results := make([]workerResult, conc)
	var wg sync.WaitGroup
	begin := time.Now()
	for w := range conc {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res := &results[w]
			for ctx.Err() == nil && time.Now().Before(deadline) && started.Add(1) <= int64(maxOps) {
				t0 := time.Now()
				lease, err := do(ctx)
				if err != nil {
					res.err = err
					cancel()
					return
				}
				res.latencies = append(res.latencies, time.Since(t0))
				if lease != "" {
					res.leases = append(res.leases, lease)
				}
			}
		}()
	}
	wg.Wait()
	out := loadResult{elapsed: time.Since(begin)}
	var firstErr error
	for _, r := range results {
		out.latencies = append(out.latencies, r.latencies...)
		out.leases = append(out.leases, r.leases...)
		if firstErr == nil {
			firstErr = r.err
		}
	}
	out.ops = len(out.latencies)
	slices.Sort(out.latencies)
	return out, firstErr
}
