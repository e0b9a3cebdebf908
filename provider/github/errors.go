package github

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	gogithub "github.com/google/go-github/v75/github"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/internal/apiclient"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// errNoKey is returned by a revoke-only client asked to act as the App.
var errNoKey = errors.New("the connection has no GitHub App private key")

// apiError turns a go-github failure into a *provider.Error carrying
// GitHub's status and message; transport failures are wrapped as they are.
// secrets are scrubbed from the message in case a server echoes them.
func apiError(action string, err error, secrets ...string) error {
	status, msg, limited, retryAfter := describe(err)
	if status == 0 {
		return fmt.Errorf("%s: %w", action, err)
	}
	if msg == "" {
		msg = http.StatusText(status)
	}
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "[redacted]")
		}
	}
	kind := apiclient.ErrorKind(status)
	if limited {
		// A 403 that is a rate limit: neither the request nor the
		// credential is wrong.
		kind = provider.ErrRateLimited
	}
	return &provider.Error{Kind: kind, Status: status, Message: action + ": " + msg, RetryAfter: retryAfter}
}

// describe reads the status and message out of go-github's error types.
func describe(err error) (status int, msg string, rateLimited bool, retryAfter time.Duration) {
	var er *gogithub.ErrorResponse
	var rl *gogithub.RateLimitError
	var abuse *gogithub.AbuseRateLimitError
	switch {
	case errors.As(err, &rl):
		return responseStatus(rl.Response), rl.Message, true, max(time.Until(rl.Rate.Reset.Time), 0)
	case errors.As(err, &abuse):
		if abuse.RetryAfter != nil {
			retryAfter = max(*abuse.RetryAfter, 0)
		}
		return responseStatus(abuse.Response), abuse.Message, true, retryAfter
	case errors.As(err, &er):
		// go-github names a secondary limit only by its documentation
		// link; a 429 or 403 that names a wait is one too.
		status := responseStatus(er.Response)
		wait, named := headerRetryAfter(er.Response)
		limited := status == http.StatusTooManyRequests || (status == http.StatusForbidden && named)
		return status, withDetails(er), limited, wait
	}
	return 0, "", false, 0
}

// headerRetryAfter reads Retry-After in seconds.
func headerRetryAfter(r *http.Response) (time.Duration, bool) {
	if r == nil {
		return 0, false
	}
	s, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || s < 0 {
		return 0, false
	}
	return time.Duration(s) * time.Second, true
}

func responseStatus(r *http.Response) int {
	if r == nil {
		return 0
	}
	return r.StatusCode
}

// withDetails appends the field errors GitHub sends with a 422.
func withDetails(er *gogithub.ErrorResponse) string {
	var parts []string
	if er.Message != "" {
		parts = append(parts, er.Message)
	}
	for _, e := range er.Errors {
		switch {
		case e.Message != "":
			parts = append(parts, e.Message)
		case e.Field != "":
			parts = append(parts, e.Field+" "+e.Code)
		}
	}
	return strings.Join(parts, ": ")
}

// statusOf is the HTTP status of a *provider.Error, or 0.
func statusOf(err error) int {
	var pe *provider.Error
	if errors.As(err, &pe) {
		return pe.Status
	}
	return 0
}

func formatInt(n int64) string { return strconv.FormatInt(n, 10) }
