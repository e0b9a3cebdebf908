package fakeserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
)

// controlPrefix is where a standalone fake serves its control API.
const controlPrefix = "/_fake/"

// Standalone is a fake served on its own by a cmd/ binary, for tests that
// drive it from another process.
type Standalone struct {
	API     http.Handler // every path outside /_fake/
	Control http.Handler // /_fake/..., see ControlHandler
	// Close ends the fake's injected latency, so that shutting down does not
	// wait for it.
	Close func()
}

// ListenAndServe listens on addr, writes the fake's URL
// ("http://127.0.0.1:PORT") as one line to out, and serves until ctx is
// done; then it closes the fake and shuts the server down.
func (s Standalone) ListenAndServe(ctx context.Context, addr string, out io.Writer) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	if _, err := fmt.Fprintf(out, "http://%s\n", ln.Addr()); err != nil {
		_ = ln.Close()
		return err
	}
	srv := &http.Server{Handler: s.handler()}
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		<-ctx.Done()
		s.Close()
		_ = srv.Shutdown(context.Background())
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	<-stopped
	return nil
}

// handler dispatches by prefix rather than with a ServeMux, which would
// redirect unclean paths that a provider answers with 404.
func (s Standalone) handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, controlPrefix) {
			s.Control.ServeHTTP(w, r)
			return
		}
		s.API.ServeHTTP(w, r)
	})
}
