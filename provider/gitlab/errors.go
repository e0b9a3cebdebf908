package gitlab

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"strings"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/internal/apiclient"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// fail turns a failed client-go call into an error the backend can map:
// a *provider.Error carrying GitLab's status and message when GitLab
// answered, the transport error (wrapped, so context errors stay
// recognisable) when it did not.
func (c *client) fail(action string, resp *gitlab.Response, err error) error {
	status := 0
	var answered *http.Response
	if resp != nil && resp.Response != nil {
		answered = resp.Response
		status = answered.StatusCode
	}
	message := ""
	var answer *gitlab.ErrorResponse
	if errors.As(err, &answer) {
		status = answer.StatusCode
		message = gitlabMessage(answer.Body)
	}
	if status == 0 {
		return fmt.Errorf("gitlab: %s: %w", action, err)
	}
	if status >= 200 && status < 300 {
		// GitLab said yes but the body did not decode.
		// The decoder's error names where decoding stopped, not the body.
		return &provider.Error{Status: status, Message: fmt.Sprintf("gitlab: %s: unreadable answer: %s", action, c.scrub(err.Error()))}
	}
	if message == "" {
		message = http.StatusText(status)
	}
	return &provider.Error{
		Kind: apiclient.ErrorKind(status), Status: status, Message: fmt.Sprintf("gitlab: %s: %s", action, c.scrub(message)),
		RetryAfter: apiclient.RetryAfter(answered),
	}
}

// gitlabMessage is the message of a GitLab JSON error body: "message"
// (Grape's error! and validation errors), else "error" and
// "error_description" (parameter and OAuth errors). Anything else, such as
// a proxy's HTML page or whatever a server that is not GitLab sends, is
// not quoted: "" makes the caller fall back to the HTTP status text.
func gitlabMessage(body []byte) string {
	var doc map[string]any
	if json.Unmarshal(body, &doc) != nil {
		return ""
	}
	if m := renderMessage(doc["message"]); m != "" {
		return m
	}
	var parts []string
	for _, k := range []string{"error", "error_description"} {
		if m := renderMessage(doc[k]); m != "" {
			parts = append(parts, m)
		}
	}
	return strings.Join(parts, ": ")
}

// renderMessage writes a message value as client-go does: a string as it
// is, a list as [a, b], an object (validation errors by field) as sorted
// {field: [...]} entries.
func renderMessage(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case []any:
		items := make([]string, 0, len(v))
		for _, e := range v {
			items = append(items, renderMessage(e))
		}
		return "[" + strings.Join(items, ", ") + "]"
	case map[string]any:
		items := make([]string, 0, len(v))
		for k, e := range v {
			items = append(items, fmt.Sprintf("{%s: %s}", k, renderMessage(e)))
		}
		sort.Strings(items)
		return strings.Join(items, ", ")
	}
	return ""
}

// isNotFound reports a 404 from GitLab.
func isNotFound(resp *gitlab.Response, err error) bool {
	if errors.Is(err, gitlab.ErrNotFound) {
		return true
	}
	return resp != nil && resp.Response != nil && resp.StatusCode == http.StatusNotFound
}

// scrub keeps a message short and free of the connection's token, in case
// something between here and GitLab echoes a request header back.
func (c *client) scrub(message string) string {
	return apiclient.Scrub(message, c.secret)
}

// invalid marks a request refused locally, before any call, as the
// caller's mistake (a 400 from the backend).
func invalid(err error) error {
	return &provider.Error{Kind: provider.ErrInvalidRequest, Message: "gitlab: " + err.Error()}
}

// isNotFoundError reports an error fail or notFound made from a 404.
func isNotFoundError(err error) bool {
	return errors.Is(err, provider.ErrNotFound)
}

// notFound is a lookup that GitLab answered without a match.
func notFound(message string) error {
	return &provider.Error{Kind: provider.ErrNotFound, Message: message}
}
