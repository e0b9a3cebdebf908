package fakeserver

import (
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

// Host runs a fake's handler on a local httptest server for one test and
// closes it at the end. Its methods are safe for concurrent use.
type Host struct {
	// done is closed by Close; Faults made with Done stop waiting then.
	done      chan struct{}
	closeOnce sync.Once

	mu        sync.Mutex
	srv       *httptest.Server
	allowLive bool
}

// NewHost returns a Host that serves nothing until Start.
func NewHost() *Host {
	return &Host{done: make(chan struct{})}
}

// Start serves handler on a new httptest server. When the test ends the
// server is closed and, unless AllowLiveTokens was called, each line leaks
// returns (the fake's tokens still live, described without their values)
// fails the test: a client that leaks tokens should not pass.
func (h *Host) Start(t testing.TB, handler http.Handler, leaks func() []string) {
	t.Helper()
	h.serve(t, httptest.NewServer(handler), leaks)
}

// StartTLS is Start over HTTPS with cert (a PrivateCA's ServerCert): URL
// is https://127.0.0.1:PORT, and only a client that trusts cert's CA gets
// through.
func (h *Host) StartTLS(t testing.TB, handler http.Handler, leaks func() []string, cert tls.Certificate) {
	t.Helper()
	srv := httptest.NewUnstartedServer(handler)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	srv.StartTLS()
	h.serve(t, srv, leaks)
}

func (h *Host) serve(t testing.TB, srv *httptest.Server, leaks func() []string) {
	t.Helper()
	h.mu.Lock()
	h.srv = srv
	h.mu.Unlock()
	t.Cleanup(func() {
		h.Close()
		h.mu.Lock()
		allow := h.allowLive
		h.mu.Unlock()
		if allow {
			return
		}
		for _, leak := range leaks() {
			t.Errorf("%s", leak)
		}
	})
}

// URL is the server's root, without a trailing slash, or "" before Start.
func (h *Host) URL() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.srv == nil {
		return ""
	}
	return h.srv.URL
}

// AllowLiveTokens turns off the end-of-test check for live tokens, for
// tests that mean to leave tokens behind.
func (h *Host) AllowLiveTokens() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.allowLive = true
}

// Done is closed when Close is called; pass it to NewFaults.
func (h *Host) Done() <-chan struct{} {
	return h.done
}

// Close ends injected latency, then cuts every connection and stops the
// server, when Start made one. Calling it more than once is harmless.
func (h *Host) Close() {
	h.closeOnce.Do(func() {
		close(h.done)
		h.mu.Lock()
		srv := h.srv
		h.mu.Unlock()
		if srv != nil {
			srv.CloseClientConnections()
			srv.Close()
		}
	})
}
