// Package errorbodies holds answers a provider client may get from a server
// that is not the provider (a proxy's HTML page, JSON of another shape), for
// the providers' tests that an error quotes only the provider's own message:
// whatever else a body holds may be an internal page the caller must not see.
package errorbodies

import (
	"net/http"
	"strings"
	"testing"
)

// Marker stands in each foreign body; an error that contains it quoted the
// body.
const Marker = "MARKER-7f3a-internal-page"

// Case is one answer, and Want what the client's error must say of it.
type Case struct {
	Name        string
	Status      int
	ContentType string
	Body        string
	Want        string
}

// Foreign are answers in no provider's error format: the error names the
// HTTP status instead.
func Foreign() []Case {
	return []Case{
		{"html 400", http.StatusBadRequest, "text/html", "<html><body>" + Marker + "</body></html>", "Bad Request"},
		{"html 500", http.StatusInternalServerError, "text/html", "<html>" + Marker + "</html>", "Internal Server Error"},
		{"json without message", http.StatusForbidden, "application/json", `{"page":"` + Marker + `"}`, "Forbidden"},
		{"json string", http.StatusBadRequest, "application/json", `"` + Marker + `"`, "Bad Request"},
	}
}

// Handler answers every request with c.
func (c Case) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", c.ContentType)
		w.WriteHeader(c.Status)
		_, _ = w.Write([]byte(c.Body))
	})
}

// Check fails t unless err, from a Verify answered with c, is an error that
// says c.Want and does not quote Marker.
func (c Case) Check(t testing.TB, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("Verify succeeded")
	}
	if strings.Contains(err.Error(), Marker) {
		t.Fatalf("the error quotes the body: %v", err)
	}
	if !strings.Contains(err.Error(), c.Want) {
		t.Fatalf("error %q does not say %q", err, c.Want)
	}
}
