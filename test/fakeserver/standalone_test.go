package fakeserver_test

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
)

func TestStandalone(t *testing.T) {
	t.Parallel()
	named := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, name+" "+r.URL.Path)
		})
	}
	closed := make(chan struct{})
	s := fakeserver.Standalone{API: named("api"), Control: named("control"), Close: func() { close(closed) }}

	ctx, cancel := context.WithCancel(t.Context())
	out, printed := io.Pipe()
	errc := make(chan error, 1)
	go func() {
		errc <- s.ListenAndServe(ctx, "127.0.0.1:0", printed)
		_ = printed.Close()
	}()
	url, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	url = strings.TrimSuffix(url, "\n")
	if !strings.HasPrefix(url, "http://127.0.0.1:") {
		t.Fatalf("printed %q", url)
	}

	tests := []struct{ path, want string }{
		{"/_fake/calls", "control /_fake/calls"},
		{"/api/v4/user", "api /api/v4/user"},
		// Not redirected to a clean path: the provider answers it.
		{"/app//installations", "api /app//installations"},
		{"/_fake", "api /_fake"},
	}
	for _, tc := range tests {
		resp, err := http.Get(url + tc.path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != tc.want {
			t.Errorf("GET %s: %q, want %q", tc.path, body, tc.want)
		}
	}

	cancel()
	if err := <-errc; err != nil {
		t.Fatalf("ListenAndServe: %v", err)
	}
	select {
	case <-closed:
	default:
		t.Error("the fake was not closed")
	}
}

func TestStandaloneListenError(t *testing.T) {
	t.Parallel()
	s := fakeserver.Standalone{API: hello, Control: hello, Close: func() {}}
	if err := s.ListenAndServe(t.Context(), "not an address", io.Discard); err == nil {
		t.Fatal("ListenAndServe on a bad address succeeded")
	}
}
