package fakegitlab

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"
)

const createRoute = "/projects/{id}/access_tokens"

var createBody = map[string]any{"name": "f", "scopes": []string{"read_api"}, "expires_at": "2025-06-20"}

// projectTokens counts the tokens acme/app holds, live or not.
func (w *world) projectTokens() int {
	w.t.Helper()
	return len(w.call("GET", "/projects/acme%2Fapp/access_tokens", w.alice, nil).expect(w.t, http.StatusOK).list(w.t))
}

func TestFaultStatus(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.s.InjectFault(Fault{Method: "POST", Route: createRoute, Status: http.StatusBadGateway, Times: 1})

	r := w.call("POST", "/projects/acme%2Fapp/access_tokens", w.alice, createBody).expect(t, http.StatusBadGateway)
	if r.message(t) != "502 Bad Gateway" || r.header.Get("RateLimit-Limit") == "" {
		t.Fatalf("fault answer: %v %s", r.header, r.body)
	}
	if n := w.projectTokens(); n != 0 {
		t.Fatalf("a status fault acted: %d tokens", n)
	}
	// Times: 1 is used up; the next call goes through.
	created := w.call("POST", "/projects/acme%2Fapp/access_tokens", w.alice, createBody).expect(t, http.StatusCreated).fields(t)
	w.call("DELETE", tokenPath("/projects/acme%2Fapp/access_tokens", created, t), w.alice, nil).expect(t, http.StatusNoContent)
	if got := w.s.Calls("POST", createRoute); got != 2 {
		t.Fatalf("Calls %d, want 2", got)
	}
}

func TestFaultRateLimit(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	reset := start.Add(30 * time.Second)
	w.s.InjectFault(Fault{Status: http.StatusTooManyRequests, RetryAfter: "30", RateLimitReset: reset})
	r := w.call("GET", "/user", w.alice, nil).expect(t, http.StatusTooManyRequests)
	if string(r.body) != "Retry later\n" || r.header.Get("Retry-After") != "30" ||
		r.header.Get("RateLimit-Remaining") != "0" || r.header.Get("RateLimit-Reset") != strconv.FormatInt(reset.Unix(), 10) {
		t.Fatalf("429: %v %q", r.header, r.body)
	}
	// Method and Route empty match everything, until cleared.
	w.call("DELETE", "/personal_access_tokens/self", w.bob, nil).expect(t, http.StatusTooManyRequests)
	w.s.ClearFaults()
	w.call("GET", "/user", w.alice, nil).expect(t, http.StatusOK)
}

func TestFaultMatching(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.s.InjectFault(Fault{Method: "GET", Route: "/projects/{id}", Status: http.StatusServiceUnavailable})
	w.call("GET", "/projects/acme%2Fapp", w.alice, nil).expect(t, http.StatusServiceUnavailable)
	w.call("GET", "/groups/acme", w.carol, nil).expect(t, http.StatusOK)
	w.call("GET", "/projects/acme%2Fapp/access_tokens", w.alice, nil).expect(t, http.StatusOK)
}

func TestFaultDrop(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.s.InjectFault(Fault{Method: "POST", Route: createRoute, Drop: true, Times: 1})
	if _, err := w.send(context.Background(), noKeepAlive(), "POST", "/projects/acme%2Fapp/access_tokens", w.alice, createBody); err == nil {
		t.Fatal("dropped request answered")
	}
	if n := w.projectTokens(); n != 0 {
		t.Fatalf("a dropped request acted: %d tokens", n)
	}
}

// DropAfterCommit is the ambiguous failure: the token exists, the client
// never learns it. The test cleans up as the plugin's write-ahead log must.
func TestFaultDropAfterCommit(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.s.InjectFault(Fault{Method: "POST", Route: createRoute, DropAfterCommit: true, Times: 1})
	if _, err := w.send(context.Background(), noKeepAlive(), "POST", "/projects/acme%2Fapp/access_tokens", w.alice, createBody); err == nil {
		t.Fatal("request answered")
	}
	list := w.call("GET", "/projects/acme%2Fapp/access_tokens", w.alice, nil).list(t)
	if len(list) != 1 || list[0]["active"] != true {
		t.Fatalf("the token was not created: %v", list)
	}
	w.call("DELETE", tokenPath("/projects/acme%2Fapp/access_tokens", list[0], t), w.alice, nil).expect(t, http.StatusNoContent)

	// The same on a rotation: the old token is gone, the new one unknown to
	// the client, and retrying with the old token trips reuse detection.
	w.s.InjectFault(Fault{Route: "/personal_access_tokens/self/rotate", DropAfterCommit: true, Times: 1})
	if _, err := w.send(context.Background(), noKeepAlive(), "POST", "/personal_access_tokens/self/rotate", w.bob, nil); err == nil {
		t.Fatal("rotation answered")
	}
	w.call("GET", "/user", w.bob, nil).expect(t, http.StatusUnauthorized)
	var successor Token
	for _, tok := range w.s.LiveTokens() {
		if tok.UserID == w.bobID {
			successor = tok
		}
	}
	if successor.ID == 0 {
		t.Fatal("no successor was created")
	}
	w.call("POST", "/personal_access_tokens/self/rotate", w.bob, nil).expect(t, http.StatusUnauthorized)
	if _, live := w.s.Lookup(successor.Token); live {
		t.Fatal("retrying the rotation did not revoke the family")
	}
}

func TestFaultLatency(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	// A short latency delays, then acts.
	w.s.InjectFault(Fault{Route: "/user", Latency: time.Millisecond, Times: 1})
	w.call("GET", "/user", w.alice, nil).expect(t, http.StatusOK)

	// A client that gives up first gets an error, and nothing is done.
	w.s.InjectFault(Fault{Method: "POST", Route: createRoute, Latency: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := w.send(ctx, noKeepAlive(), "POST", "/projects/acme%2Fapp/access_tokens", w.alice, createBody)
		done <- err
	}()
	for w.s.Calls("POST", createRoute) == 0 {
		time.Sleep(time.Millisecond) // wait until the request is in the fake
	}
	cancel()
	if err := <-done; err == nil {
		t.Fatal("cancelled request answered")
	}
	w.s.ClearFaults()
	if n := w.projectTokens(); n != 0 {
		t.Fatalf("a cancelled request acted: %d tokens", n)
	}
}

func TestFaultLatencyDoesNotHoldUpClose(t *testing.T) {
	t.Parallel()
	s := Start(t, Options{})
	s.InjectFault(Fault{Latency: time.Hour})
	errs := make(chan error, 1)
	go func() {
		resp, err := http.Get(s.URL() + "/api/v4/version")
		if err == nil {
			resp.Body.Close()
		}
		errs <- err
	}()
	for s.TotalCalls() == 0 {
		time.Sleep(time.Millisecond)
	}
	s.Close() // must return although a request is waiting out an hour
	<-errs
}

func TestCallCounting(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.call("GET", "/projects/acme%2Fapp", w.alice, nil)
	w.call("GET", "/projects/1", w.alice, nil)
	w.call("GET", "/projects/acme%2Fapp", "", nil)
	w.call("GET", "/no/such/route", w.alice, nil)
	if got := w.s.Calls("GET", "/projects/{id}"); got != 3 {
		t.Fatalf("GET /projects/{id}: %d", got)
	}
	if got := w.s.Calls("get", ""); got != 1 {
		t.Fatalf("unknown routes: %d", got)
	}
	if got := w.s.TotalCalls(); got != 4 {
		t.Fatalf("total %d", got)
	}
	w.s.ResetCalls()
	if w.s.TotalCalls() != 0 || w.s.Calls("GET", "/projects/{id}") != 0 {
		t.Fatal("ResetCalls left counts")
	}
}
