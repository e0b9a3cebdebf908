package github

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/internal/httpretry"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegithub"
)

func TestRevoke(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// before acts on the fake and the issued token before the revoke.
		before     func(t testing.TB, f *fixture, c *client, tok *provider.Token)
		ctx        func() (context.Context, context.CancelFunc)
		wantErr    bool
		wantStatus int
		wantDelete int
	}{
		{name: "204", wantDelete: 1},
		{
			name:       "already revoked (401)",
			before:     func(t testing.TB, f *fixture, c *client, tok *provider.Token) { revoke(t, c, tok); f.fake.ResetCalls() },
			wantDelete: 1,
		},
		{
			name:       "expired (401)",
			before:     func(_ testing.TB, f *fixture, _ *client, _ *provider.Token) { f.clock.Advance(2 * time.Hour) },
			wantDelete: 1,
		},
		{
			name:       "uninstalled (401)",
			before:     func(_ testing.TB, f *fixture, _ *client, _ *provider.Token) { f.fake.RemoveInstallation(f.install) },
			wantDelete: 1,
		},
		{
			name: "5xx is retried, then an error",
			before: func(_ testing.TB, f *fixture, _ *client, _ *provider.Token) {
				f.fake.InjectFault(fakegithub.Fault{Method: http.MethodDelete, Status: http.StatusBadGateway})
			},
			wantErr: true, wantStatus: http.StatusBadGateway, wantDelete: httpretry.DefaultPolicy().Attempts,
		},
		{
			name: "a 5xx once is retried to success",
			before: func(_ testing.TB, f *fixture, _ *client, _ *provider.Token) {
				f.fake.InjectFault(fakegithub.Fault{Method: http.MethodDelete, Status: http.StatusServiceUnavailable, Times: 1})
			},
			wantDelete: 2,
		},
		{
			name: "429 is an error after bounded waits",
			before: func(_ testing.TB, f *fixture, _ *client, _ *provider.Token) {
				f.fake.InjectFault(fakegithub.Fault{Method: http.MethodDelete, Status: http.StatusTooManyRequests, RetryAfter: "1"})
			},
			wantErr: true, wantStatus: http.StatusTooManyRequests, wantDelete: httpretry.DefaultPolicy().Attempts,
		},
		{
			name: "timeout",
			before: func(_ testing.TB, f *fixture, _ *client, _ *provider.Token) {
				f.fake.InjectFault(fakegithub.Fault{Method: http.MethodDelete, Latency: time.Minute})
			},
			ctx: func() (context.Context, context.CancelFunc) {
				return context.WithTimeout(context.Background(), 100*time.Millisecond)
			},
			wantErr: true, wantDelete: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			c := f.client(t)
			tok, err := c.Issue(context.Background(), issueReq(Scope{InstallationID: f.install}))
			if err != nil {
				t.Fatal(err)
			}
			f.fake.ResetCalls()
			if tt.before != nil {
				tt.before(t, f, c, tok)
			}
			ctx, cancel := context.Background(), context.CancelFunc(func() {})
			if tt.ctx != nil {
				ctx, cancel = tt.ctx()
			}
			defer cancel()

			err = c.Revoke(ctx, tok.Handle)
			if got := f.fake.Calls(http.MethodDelete, fakegithub.RouteInstallationToken); got != tt.wantDelete {
				t.Errorf("DELETEs = %d, want %d", got, tt.wantDelete)
			}
			if !tt.wantErr {
				if err != nil {
					t.Fatalf("Revoke: %v", err)
				}
				if _, live := f.fake.Lookup(tok.Token); live {
					t.Fatal("token still live")
				}
				return
			}
			if err == nil {
				t.Fatal("Revoke succeeded, want an error so Vault retries")
			}
			if strings.Contains(err.Error(), tok.Token) {
				t.Fatal("error echoes the token")
			}
			if tt.wantStatus != 0 && statusOf(err) != tt.wantStatus {
				t.Fatalf("error = %v, want status %d", err, tt.wantStatus)
			}
			if tt.wantStatus == 0 && !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("error = %v, want a deadline", err)
			}
			// Vault retries later, and then it works.
			f.fake.ClearFaults()
			revoke(t, c, tok)
		})
	}
}

func TestRevokeRefusesABadHandle(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.client(t)
	for _, h := range []provider.Handle{
		{TokenType: "installation"},
		{TokenType: "project", Secret: "ghs_x"},
	} {
		if err := c.Revoke(context.Background(), h); err == nil {
			t.Errorf("Revoke(%+v) succeeded", h)
		}
	}
	if got := f.fake.TotalCalls(); got != 0 {
		t.Fatalf("calls = %d, want none", got)
	}
}
