package gitlab

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// tamperCreates rewrites the JSON answer to every successful token create.
func tamperCreates(edit func(body map[string]any)) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			isCreate := r.Method == http.MethodPost &&
				(strings.HasSuffix(r.URL.Path, "/access_tokens") || strings.HasSuffix(r.URL.Path, "/deploy_tokens") ||
					strings.HasSuffix(r.URL.Path, "/personal_access_tokens"))
			if !isCreate {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			body := rec.Body.Bytes()
			var m map[string]any
			if rec.Code/100 == 2 && json.Unmarshal(body, &m) == nil {
				edit(m)
				body, _ = json.Marshal(m)
			}
			for k, v := range rec.Header() {
				if k != "Content-Length" {
					w.Header()[k] = v
				}
			}
			w.WriteHeader(rec.Code)
			_, _ = w.Write(body)
		})
	}
}

// TestIssueUnusableAnswerIsRevoked: a token GitLab made but described
// unusably (no value, wider scopes or level than asked, already expired)
// is revoked before Issue returns its error.
func TestIssueUnusableAnswerIsRevoked(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		tokenType string
		path      string
		edit      func(map[string]any)
		wantErr   string
	}{
		{"no value", "project", "acme/app", func(m map[string]any) { delete(m, "token") }, "no token value"},
		{"empty value", "personal", "deployer", func(m map[string]any) { m["token"] = "" }, "no token value"},
		{"no deploy username", "deploy", "acme/app", func(m map[string]any) { delete(m, "username") }, "no deploy-token username"},
		{"wider scopes", "group", "acme/platform", func(m map[string]any) { m["scopes"] = []string{"read_api", "api"} }, `granted scope "api"`},
		{"no scopes", "deploy", "acme/platform", func(m map[string]any) { m["scopes"] = []string{} }, "lists no scopes"},
		{"higher level", "project", "acme/app", func(m map[string]any) { m["access_level"] = 50 }, "access level 50"},
		{"already expired", "project", "acme/app", func(m map[string]any) { m["expires_at"] = "2025-03-10" }, "already expired"},
		{"unknown fields and null expiry", "project", "acme/app", func(m map[string]any) {
			m["resource_type"] = "project"
			m["expires_at"] = nil
			m["token"] = ""
		}, "no token value"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newTamperEnv(t, tamperCreates(tc.edit))
			req := e.request(tc.tokenType, tc.path, time.Hour, "read_api")
			if tc.tokenType == "deploy" {
				editScope(&req.Scope, func(s *Scope) { s.Scopes = []string{"read_repository"} })
			}
			tok, err := e.client.Issue(context.Background(), req)
			if err == nil {
				t.Fatalf("Issue returned %+v from an unusable answer", tok.Handle)
			}
			if !strings.Contains(err.Error(), tc.wantErr) || !strings.Contains(err.Error(), "was revoked") {
				t.Errorf("error %q, want %q and that the token was revoked", err, tc.wantErr)
			}
			requireNoSecret(t, err, e.token)
			if live := e.fake.LiveTokens(); len(live) != 1 || live[0].Name != "vault connection" {
				t.Errorf("live tokens after an unusable answer: %d", len(live))
			}
		})
	}
}

// TestIssueAnswerWithoutID: with no id nothing can be revoked from here;
// Issue says so and the write-ahead log's cleanup must find the token.
func TestIssueAnswerWithoutID(t *testing.T) {
	t.Parallel()
	e := newTamperEnv(t, tamperCreates(func(m map[string]any) { delete(m, "id") }))
	_, err := e.client.Issue(context.Background(), e.request("project", "acme/app", time.Hour, "read_api"))
	if err == nil || !strings.Contains(err.Error(), "no token id") {
		t.Fatalf("error %v, want one about the missing id", err)
	}
	e.revokeLeftovers()
}

// TestIssueTrustsNearerExpiry: when GitLab sets an earlier expiry than
// asked, the token reports GitLab's.
func TestIssueTrustsNearerExpiry(t *testing.T) {
	t.Parallel()
	e := newTamperEnv(t, tamperCreates(func(m map[string]any) { m["expires_at"] = "2025-03-13" }))
	tok := e.issue(e.request("project", "acme/app", 10*24*time.Hour, "read_api"))
	if want := time.Date(2025, 3, 13, 0, 0, 0, 0, time.UTC); !tok.ExpiresAt.Equal(want) {
		t.Errorf("ExpiresAt %v, want GitLab's %v", tok.ExpiresAt, want)
	}
	e.revoke(tok.Handle)
}

// TestIssueUnreadableAnswer: a 201 whose body does not decode is an error
// that says so, without the body's secret.
func TestIssueUnreadableAnswer(t *testing.T) {
	t.Parallel()
	var secret string
	e := newTamperEnv(t, func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPost {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			var m map[string]any
			_ = json.Unmarshal(rec.Body.Bytes(), &m)
			secret, _ = m["token"].(string)
			w.WriteHeader(rec.Code)
			_, _ = w.Write(bytes.TrimSuffix(rec.Body.Bytes(), []byte("}")))
		})
	})
	_, err := e.client.Issue(context.Background(), e.request("project", "acme/app", time.Hour, "read_api"))
	var perr *provider.Error
	if !errors.As(err, &perr) || perr.Status != http.StatusCreated || !strings.Contains(err.Error(), "unreadable") {
		t.Fatalf("error %v, want an unreadable 201", err)
	}
	requireNoSecret(t, err, e.token, secret)
	e.revokeLeftovers()
}
