package fakegithub

import (
	"slices"
	"sync"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
)

// secondaryLimiter keeps the state behind SecondaryLimits. Its methods are
// safe for concurrent use. It has its own lock so that it never waits on
// Server.mu, nor Server.mu on it.
type secondaryLimiter struct {
	mu       sync.Mutex
	limits   *SecondaryLimits      // nil: off; defaults filled in
	buckets  map[string]*pointsLog // by "identity METHOD route"
	inFlight map[string]int        // by identity; only requests counted by arrive
	refused  fakeserver.CallCounter
}

// pointsLog is one bucket's charges within the last window, oldest first.
type pointsLog struct {
	charges []pointsCharge
	total   int
}

type pointsCharge struct {
	at     time.Time
	points int
}

// set replaces the limits (nil turns them off) and forgets the points
// spent so far. Requests in flight stay counted until they leave.
func (l *secondaryLimiter) set(limits *SecondaryLimits) {
	var copied *SecondaryLimits
	if limits != nil {
		if err := limits.validate(); err != nil {
			panic("fakegithub: " + err.Error())
		}
		c := limits.withDefaults()
		copied = &c
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.limits = copied
	l.buckets = map[string]*pointsLog{}
}

// current is a copy of the limits in force, nil when off.
func (l *secondaryLimiter) current() *SecondaryLimits {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.limits == nil {
		return nil
	}
	c := *l.limits
	return &c
}

// limitsConcurrency reports whether requests in flight must be counted.
func (l *secondaryLimiter) limitsConcurrency() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.limits != nil && l.limits.MaxConcurrent > 0
}

// arrive counts a request of identity as in flight until leave is called,
// and reports whether it is within MaxConcurrent. A request over the limit
// is not counted: it will be refused, not served.
func (l *secondaryLimiter) arrive(identity string) (within bool, leave func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.limits == nil || l.limits.MaxConcurrent <= 0 {
		return true, func() {}
	}
	if l.inFlight[identity] >= l.limits.MaxConcurrent {
		return false, func() {}
	}
	if l.inFlight == nil {
		l.inFlight = map[string]int{}
	}
	l.inFlight[identity]++
	return true, func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.inFlight[identity]--; l.inFlight[identity] <= 0 {
			delete(l.inFlight, identity)
		}
	}
}

// admit decides on an authenticated request of identity to method and
// route at now, tooConcurrent when arrive found it over MaxConcurrent. An
// admitted request's points are spent; a refused one spends none, and the
// answer says how long to wait and with which status to refuse.
func (l *secondaryLimiter) admit(identity, method, route string, now time.Time, tooConcurrent bool) (ok bool, wait time.Duration, status int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.limits == nil {
		return true, 0, 0
	}
	if tooConcurrent {
		return false, concurrencyRetryAfter, l.limits.Status
	}
	if l.limits.PointsPerWindow <= 0 {
		return true, 0, 0
	}
	key := identity + " " + method + " " + route
	log := l.buckets[key]
	if log == nil {
		log = &pointsLog{}
		l.buckets[key] = log
	}
	log.expire(now, l.limits.Window)
	cost := requestPoints(method)
	if log.total+cost > l.limits.PointsPerWindow {
		return false, log.roomIn(now, l.limits.Window, cost, l.limits.PointsPerWindow), l.limits.Status
	}
	log.charges = append(log.charges, pointsCharge{at: now, points: cost})
	log.total += cost
	return true, 0, 0
}

// expire forgets the charges made a window or more before now.
func (p *pointsLog) expire(now time.Time, window time.Duration) {
	n := 0
	for n < len(p.charges) && !now.Before(p.charges[n].at.Add(window)) {
		p.total -= p.charges[n].points
		n++
	}
	p.charges = slices.Delete(p.charges, 0, n)
}

// roomIn is how long from now until cost more points fit within limit, as
// the oldest charges expire. A cost above the limit never fits; a window
// is as good an answer as any.
func (p *pointsLog) roomIn(now time.Time, window time.Duration, cost, limit int) time.Duration {
	excess := p.total + cost - limit
	for _, c := range p.charges {
		if excess -= c.points; excess <= 0 {
			return c.at.Add(window).Sub(now)
		}
	}
	return window
}
