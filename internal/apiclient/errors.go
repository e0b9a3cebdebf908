package apiclient

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// maxMessage bounds how much of a server's error text is kept: enough for
// its validation messages.
const maxMessage = 300

// ErrorKind is the provider error class an HTTP refusal's status maps to,
// or nil.
func ErrorKind(status int) error {
	switch status {
	case http.StatusTooManyRequests:
		return provider.ErrRateLimited
	case http.StatusBadRequest, http.StatusUnprocessableEntity:
		return provider.ErrInvalidRequest
	case http.StatusUnauthorized, http.StatusForbidden:
		return provider.ErrUnauthorized
	case http.StatusNotFound:
		return provider.ErrNotFound
	}
	return nil
}

// RetryAfter is the wait a 429 names in Retry-After (seconds), or zero; r
// may be nil.
func RetryAfter(r *http.Response) time.Duration {
	if r == nil || r.StatusCode != http.StatusTooManyRequests {
		return 0
	}
	if s, err := strconv.Atoi(r.Header.Get("Retry-After")); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return 0
}

// Scrub keeps a server's message short, on one line, and free of secrets
// (empty ones are passed over), in case something between the engine and
// the server echoes a request header back.
func Scrub(message string, secrets ...string) string {
	for _, s := range secrets {
		if s != "" {
			message = strings.ReplaceAll(message, s, "[redacted]")
		}
	}
	message = strings.Join(strings.Fields(message), " ")
	if r := []rune(message); len(r) > maxMessage {
		message = string(r[:maxMessage]) + "…"
	}
	return message
}
