package main

import (
	"context"
	"errors"
	"strconv"
	"sync/atomic"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	t.Parallel()
	ms := func(ns ...int) []time.Duration {
		out := make([]time.Duration, len(ns))
		for i, n := range ns {
			out[i] = time.Duration(n) * time.Millisecond
		}
		return out
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = i + 1
	}
	cases := []struct {
		name      string
		latencies []time.Duration
		p         float64
		want      time.Duration
	}{
		{"empty", nil, 50, 0},
		{"one", ms(7), 99, 7 * time.Millisecond},
		{"median of four is the second", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p50 of 1..100", ms(hundred...), 50, 50 * time.Millisecond},
		{"p99 of 1..100", ms(hundred...), 99, 99 * time.Millisecond},
		{"p100 is the largest", ms(hundred...), 100, 100 * time.Millisecond},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			got := loadResult{latencies: c.latencies}.percentile(c.p)
			if got != c.want {
				t.Errorf("percentile(%v) = %v, want %v", c.p, got, c.want)
			}
		})
	}
}

func TestRunLoadStopsAtMaxOps(t *testing.T) {
	t.Parallel()
	var n atomic.Int64
	res, err := runLoad(context.Background(), 4, time.Hour, 50, func(context.Context) (string, error) {
		return "lease-" + strconv.FormatInt(n.Add(1), 10), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.ops != 50 || n.Load() != 50 || len(res.leases) != 50 || len(res.latencies) != 50 {
		t.Errorf("ops %d, calls %d, leases %d, latencies %d; want 50 of each", res.ops, n.Load(), len(res.leases), len(res.latencies))
	}
}

func TestRunLoadStopsOnError(t *testing.T) {
	t.Parallel()
	boom := errors.New("boom")
	var n atomic.Int64
	res, err := runLoad(context.Background(), 2, time.Hour, 1000, func(context.Context) (string, error) {
		if n.Add(1) == 10 {
			return "", boom
		}
		return "lease", nil
	})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	// Every lease made before the error is returned, so it can be revoked.
	if res.ops != len(res.leases) || res.ops >= 1000 {
		t.Errorf("ops %d, leases %d", res.ops, len(res.leases))
	}
}
