package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// request is what Git sends a helper: key=value lines up to a blank line or
// the end of input (git-credential(1), "INPUT/OUTPUT FORMAT"). Only the
// attributes the helper uses are kept; others (capability[], wwwauth[], ...)
// are read and ignored, as the protocol allows.
type request struct {
	Protocol string
	Host     string // with the port when there is one
	Path     string // only with credential.useHttpPath
	Username string
	Password string
}

// maxRequest bounds what the helper reads; Git's requests are a few lines.
const maxRequest = 64 << 10

// readRequest parses one request from r.
func readRequest(r io.Reader) (request, error) {
	var req request
	sc := bufio.NewScanner(io.LimitReader(r, maxRequest))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSuffix(sc.Text(), "\r")
		if line == "" {
			break
		}
		key, value, ok := strings.Cut(line, "=")
		if !ok || key == "" {
			// The line is not quoted: it could be a stray secret.
			return request{}, fmt.Errorf("malformed request line %d: want key=value", n)
		}
		if strings.ContainsRune(line, 0) {
			return request{}, errors.New("malformed request: NUL byte")
		}
		switch key {
		case "protocol":
			req.Protocol = value
		case "host":
			req.Host = value
		case "path":
			req.Path = value
		case "username":
			req.Username = value
		case "password":
			req.Password = value
		}
	}
	if err := sc.Err(); err != nil {
		return request{}, fmt.Errorf("read request: %w", err)
	}
	return req, nil
}

// url is the request's URL as `git config --get-urlmatch` takes it:
// protocol://host/path, the path only when Git sent one.
func (r request) url() (string, error) {
	if r.Protocol == "" || r.Host == "" {
		return "", errors.New("the request has no protocol or host")
	}
	return r.Protocol + "://" + r.Host + "/" + r.Path, nil
}

// answer is a get response.
type answer struct {
	Username string
	Password string
	Expiry   time.Time // password_expiry_utc; Git before 2.40 ignores it
}

// writeAnswer writes a in the protocol's format. A value holding a newline
// would smuggle extra attributes into Git's input, so it is refused.
func writeAnswer(w io.Writer, a answer) error {
	for _, v := range []string{a.Username, a.Password} {
		if v == "" || strings.ContainsAny(v, "\n\x00") {
			return errors.New("vault returned a username or token Git cannot take (empty, or with a newline or NUL)")
		}
	}
	out := "username=" + a.Username + "\npassword=" + a.Password + "\n"
	if !a.Expiry.IsZero() {
		out += "password_expiry_utc=" + strconv.FormatInt(a.Expiry.Unix(), 10) + "\n"
	}
	_, err := io.WriteString(w, out)
	return err
}
