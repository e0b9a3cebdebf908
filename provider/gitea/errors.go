package gitea

import (
	"errors"
	"fmt"
	"net/http"
	"strings"

	sdk "code.gitea.io/sdk/gitea"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/internal/apiclient"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// fail turns a failed call into an error the backend can map: a
// *provider.Error with the server's status and message when it answered,
// the transport error (wrapped, so context errors stay recognisable) when
// it did not.
func (c *Client) fail(action string, resp *sdk.Response, err error) error {
	status := 0
	if resp != nil && resp.Response != nil {
		status = resp.StatusCode
	}
	if status == 0 {
		return fmt.Errorf("gitea: %s: %w", action, c.scrubErr(err))
	}
	if status >= 200 && status < 300 {
		return &provider.Error{Status: status, Message: fmt.Sprintf("gitea: %s: unreadable answer: %s", action, c.scrub(err.Error()))}
	}
	return &provider.Error{
		Kind: apiclient.ErrorKind(status), Status: status,
		Message:    fmt.Sprintf("gitea: %s: %s", action, c.scrub(serverMessage(resp, err))),
		RetryAfter: apiclient.RetryAfter(resp.Response),
	}
}

// serverMessage is the "message" of the server's JSON error, which is what
// the SDK's error holds; anything else it wraps (a proxy's page, a body
// that is not Gitea's) is not quoted, the status text stands for it.
func serverMessage(resp *sdk.Response, err error) string {
	m := err.Error()
	if strings.HasPrefix(m, "unknown API error") || strings.HasPrefix(m, resp.Status) || m == "" {
		return http.StatusText(resp.StatusCode)
	}
	return m
}

func isStatus(resp *sdk.Response, status int) bool {
	return resp != nil && resp.Response != nil && resp.StatusCode == status
}

// scrub keeps a message short and free of the bot's password.
func (c *Client) scrub(message string) string {
	return apiclient.Scrub(message, c.pw.all()...)
}

// scrubErr keeps a transport error's chain (context errors) but never its
// text when that names the password, which a URL error would not, but a
// proxy's could.
func (c *Client) scrubErr(err error) error {
	for _, p := range c.pw.all() {
		if strings.Contains(err.Error(), p) {
			return &scrubbed{msg: c.scrub(err.Error()), err: err}
		}
	}
	return err
}

type scrubbed struct {
	msg string
	err error
}

func (s *scrubbed) Error() string { return s.msg }
func (s *scrubbed) Unwrap() error { return errors.Unwrap(s.err) }

// invalid is a request refused locally, before any call.
func invalid(err error) error {
	return &provider.Error{Kind: provider.ErrInvalidRequest, Message: "gitea: " + err.Error()}
}
