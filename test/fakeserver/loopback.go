package fakeserver

import (
	"net"
	"net/http"
	"time"
)

// ServeLoopback serves h on a free loopback port until the returned stop is
// called, for programs (the sandbox, the load generator) that run fakes and
// their companions outside a test.
func ServeLoopback(h http.Handler) (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() { _ = srv.Close() }, nil
}
