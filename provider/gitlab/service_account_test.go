package gitlab

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitlab"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
)

const (
	saCreateRoute      = "/groups/{id}/service_accounts"
	saTokenCreateRoute = "/groups/{id}/service_accounts/{user_id}/personal_access_tokens"
)

// memberClient is a client whose connection token belongs to a new user
// with the given role on acme.
func (e *env) memberClient(username string, level int) *client {
	e.t.Helper()
	id := e.fake.AddUser(username, false)
	e.fake.AddMember("acme", id, level)
	token, _ := e.fake.AddPersonalToken(id, username, []string{"api"}, testStart.AddDate(1, 0, 0))
	return e.newClient(token)
}

func (e *env) ownerClient() *client { return e.memberClient("owner", 50) }

func (e *env) ensure(c *client, group, username string) ServiceAccount {
	e.t.Helper()
	a, err := c.EnsureServiceAccount(context.Background(), group, username, "Vault role ci")
	if err != nil {
		e.t.Fatalf("EnsureServiceAccount(%q, %q): %v", group, username, err)
	}
	return a
}

func (e *env) saRequest(ttl time.Duration, scopes ...string) provider.IssueRequest {
	return e.request(TokenTypeServiceAccount, "", ttl, scopes...)
}

func TestEnsureServiceAccountCreatesOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.ownerClient()
	a := e.ensure(owner, "acme", "ci-bot")
	if !a.Created || a.ID <= 0 || a.GroupID <= 0 || a.Username != "ci-bot" {
		t.Fatalf("first ensure: %+v", a)
	}
	if id, ok := e.fake.ServiceAccount("ci-bot"); !ok || id != a.ID {
		t.Fatalf("the fake has account %d (%v), want %d", id, ok, a.ID)
	}
	again := e.ensure(owner, "acme", "CI-Bot")
	if again.Created || again.ID != a.ID || again.GroupID != a.GroupID {
		t.Fatalf("second ensure: %+v, want the same account, not created", again)
	}
	if n := e.fake.Calls("POST", saCreateRoute); n != 1 {
		t.Fatalf("%d creates, want 1", n)
	}

	seeded := e.fake.AddServiceAccount("acme", "made-by-hand")
	if got := e.ensure(owner, "acme", "made-by-hand"); got.Created || got.ID != seeded {
		t.Fatalf("existing account: %+v, want %d not created", got, seeded)
	}
}

func TestServiceAccountTokenIssueAndRevoke(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, group string }{{"group", "acme"}, {"instance", ""}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			c := e.client // an administrator: instance accounts need one
			if tc.group != "" {
				c = e.ownerClient()
			}
			a := e.ensure(c, tc.group, "ci-bot")
			req := e.saRequest(2*time.Hour, "read_repository", "read_api")
			tok, err := c.issueServiceAccountToken(context.Background(), req, tc.group, "ci-bot")
			if err != nil {
				t.Fatal(err)
			}
			got, live := e.fake.Lookup(tok.Token)
			if !live || got.UserID != a.ID || got.Name != req.Name || got.Description != req.Description {
				t.Fatalf("GitLab's token %+v (live %v), want one of account %d", got, live, a.ID)
			}
			// Date-only backstop: the first UTC midnight after the lease's end.
			if want := time.Date(2025, 3, 12, 0, 0, 0, 0, time.UTC); !tok.ExpiresAt.Equal(want) || !got.ExpiresAt.Equal(want) {
				t.Fatalf("expiry %v at GitLab %v, want %v", tok.ExpiresAt, got.ExpiresAt, want)
			}
			if tok.Username != "ci-bot" || tok.Handle.TokenType != TokenTypeServiceAccount ||
				tok.Handle.Parent != a.tokenParent() || tok.Handle.Name != "" || tok.Registry {
				t.Fatalf("token: %+v", tok)
			}
			if st, err := c.Status(context.Background(), tok.Handle); err != nil || !st.Active {
				t.Fatalf("status %+v, %v", st, err)
			}

			e.fake.ResetCalls()
			if err := c.Revoke(context.Background(), tok.Handle); err != nil {
				t.Fatal(err)
			}
			if e.fake.TotalCalls() != 1 {
				t.Fatalf("revoke made %d calls, want 1", e.fake.TotalCalls())
			}
			if _, live := e.fake.Lookup(tok.Token); live {
				t.Fatal("the token still works after Revoke")
			}
			// Already gone (404) is revoked.
			if err := c.Revoke(context.Background(), tok.Handle); err != nil {
				t.Fatalf("second revoke: %v", err)
			}
			if st, err := c.Status(context.Background(), tok.Handle); err != nil || st.Active {
				t.Fatalf("status after revoke %+v, %v", st, err)
			}
		})
	}
}

// TestServiceAccountIssueIsOneCall: once the account is known, a token is
// one POST.
func TestServiceAccountIssueIsOneCall(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.ownerClient()
	e.ensure(owner, "acme", "ci-bot")
	for i := range 2 {
		e.fake.ResetCalls()
		tok, err := owner.issueServiceAccountToken(context.Background(), e.saRequest(time.Hour, "read_api"), "acme", "ci-bot")
		if err != nil {
			t.Fatal(err)
		}
		if want := []int{4, 1}[i]; e.fake.TotalCalls() != want {
			t.Fatalf("issue %d made %d calls, want %d", i, e.fake.TotalCalls(), want)
		}
		if err := owner.Revoke(context.Background(), tok.Handle); err != nil {
			t.Fatal(err)
		}
	}
}

func TestServiceAccountTokenSuccessorsRevoked(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.ownerClient()
	e.ensure(owner, "acme", "ci-bot")
	tok, err := owner.issueServiceAccountToken(context.Background(), e.saRequest(time.Hour, "api"), "acme", "ci-bot")
	if err != nil {
		t.Fatal(err)
	}
	if tok.Handle.Name == "" {
		t.Fatal("an api token's handle has no name, so its successors cannot be found")
	}
	successor := e.selfRotate("/personal_access_tokens/self/rotate", tok.Token)
	if err := owner.Revoke(context.Background(), tok.Handle); err != nil {
		t.Fatal(err)
	}
	if _, live := e.fake.Lookup(successor); live {
		t.Fatal("the self-rotated successor outlived the lease")
	}
}

func TestServiceAccountRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	maintainer := e.memberClient("maint", 40)
	owner := e.ownerClient()
	e.fake.AddServiceAccount("acme", "existing")
	e.fake.AddUser("human", false)

	tests := []struct {
		name   string
		call   func() error
		kind   error
		phrase string
	}{
		{"maintainer, not owner", func() error {
			_, err := maintainer.EnsureServiceAccount(context.Background(), "acme", "ci-bot", "")
			return err
		}, provider.ErrUnauthorized, `needs the Owner role on group "acme"`},
		{"maintainer issues", func() error {
			_, err := maintainer.issueServiceAccountToken(context.Background(), e.saRequest(time.Hour, "read_api"), "acme", "existing")
			return err
		}, provider.ErrUnauthorized, "Owner role"},
		{"subgroup", func() error {
			_, err := owner.EnsureServiceAccount(context.Background(), "acme/platform", "ci-bot", "")
			return err
		}, provider.ErrInvalidRequest, `is a subgroup: before GitLab 18.11 service accounts belong to top-level groups, so set path to "acme"`},
		{"instance without admin", func() error {
			_, err := owner.EnsureServiceAccount(context.Background(), "", "ci-bot", "")
			return err
		}, provider.ErrUnauthorized, "need an administrator's token"},
		{"username of a human", func() error {
			_, err := owner.EnsureServiceAccount(context.Background(), "acme", "human", "")
			return err
		}, provider.ErrInvalidRequest, "Username has already been taken"},
		{"no such account at issue", func() error {
			_, err := owner.issueServiceAccountToken(context.Background(), e.saRequest(time.Hour, "read_api"), "acme", "nobody")
			return err
		}, provider.ErrNotFound, "writing the role again creates it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.call()
			if !errors.Is(err, tt.kind) || !strings.Contains(err.Error(), tt.phrase) {
				t.Fatalf("error %v, want %v saying %q", err, tt.kind, tt.phrase)
			}
			requireNoSecret(t, err, e.token)
		})
	}
	if live := e.fake.LiveTokens(); len(live) != 3 {
		t.Fatalf("a refused call left tokens: %+v", live)
	}
	if _, ok := e.fake.ServiceAccount("ci-bot"); ok {
		t.Fatal("a refused call created the account")
	}
}

// TestServiceAccountLocalRefusals: bad input is refused before any call.
func TestServiceAccountLocalRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tc := range []struct {
		group, username string
		scopes          []string
		phrase          string
	}{
		{"acme", "ci-bot", []string{"self_rotate"}, "refused"},
		{"acme", "ci-bot", nil, "scopes is required"},
		{"acme", "", []string{"read_api"}, "service_account is required"},
		{"acme", "a/b", []string{"read_api"}, "not a GitLab username"},
		{"../x", "ci-bot", []string{"read_api"}, "must not contain '..'"},
	} {
		e.fake.ResetCalls()
		_, err := e.client.issueServiceAccountToken(context.Background(), e.saRequest(time.Hour, tc.scopes...), tc.group, tc.username)
		if !errors.Is(err, provider.ErrInvalidRequest) || !strings.Contains(err.Error(), tc.phrase) || e.fake.TotalCalls() != 0 {
			t.Errorf("%+v: error %v after %d calls, want a local refusal saying %q", tc, err, e.fake.TotalCalls(), tc.phrase)
		}
	}
	if _, err := e.client.issueServiceAccountToken(context.Background(), e.saRequest(365*24*time.Hour, "read_api"), "acme", "ci-bot"); !errors.Is(err, provider.ErrInvalidRequest) {
		t.Errorf("a 365-day lease: %v, want GitLab's cap refused locally", err)
	}
}

func TestServiceAccountSelfManagedSettingAndVersion(t *testing.T) {
	t.Parallel()
	clk := fakeserver.NewClock(testStart)
	fake := fakegitlab.Start(t, fakegitlab.Options{Now: clk.Now, Version: "18.5.1", OwnersCannotCreateServiceAccounts: true})
	fake.AddGroup("acme")
	e := seed(t, fake, fake.URL(), clk)
	_, err := e.ownerClient().EnsureServiceAccount(context.Background(), "acme", "ci-bot", "")
	if !errors.Is(err, provider.ErrInvalidRequest) || !strings.Contains(err.Error(), "Allow top-level group owners to create service accounts") {
		t.Fatalf("owner on self-managed: %v", err)
	}
	// An administrator may.
	e.ensure(e.client, "acme", "ci-bot")

	// Before 17.11 GitLab cannot list or revoke a group account's tokens
	// (its 404 would read as "already revoked"): no account is made and
	// no token issued, even for an account that exists.
	old := fakegitlab.Start(t, fakegitlab.Options{Now: clk.Now, Version: "17.10.3-ee"})
	e = seed(t, old, old.URL(), clk)
	_, err = e.client.EnsureServiceAccount(context.Background(), "acme", "ci-bot", "")
	if !errors.Is(err, provider.ErrInvalidRequest) || !strings.Contains(err.Error(), "need GitLab 17.11 or later") || old.Calls("POST", saCreateRoute) != 0 {
		t.Fatalf("GitLab 17.10: %v", err)
	}
	old.AddServiceAccount("acme", "existing")
	_, err = e.client.issueServiceAccountToken(context.Background(), e.saRequest(time.Hour, "read_api"), "acme", "existing")
	if !errors.Is(err, provider.ErrInvalidRequest) || old.Calls("POST", saTokenCreateRoute) != 0 {
		t.Fatalf("issue on GitLab 17.10: %v", err)
	}
}

// TestServiceAccountCreatesAreNotRetried: a 5xx on a create may hide a
// made account or token, so it is never sent again.
func TestServiceAccountCreatesAreNotRetried(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.ownerClient()

	e.fake.InjectFault(fakegitlab.Fault{Method: "POST", Route: saCreateRoute, Status: http.StatusBadGateway, Times: 1})
	if _, err := owner.EnsureServiceAccount(context.Background(), "acme", "ci-bot", ""); err == nil {
		t.Fatal("EnsureServiceAccount succeeded through a 502")
	}
	if n := e.fake.Calls("POST", saCreateRoute); n != 1 {
		t.Fatalf("account create sent %d times, want 1", n)
	}

	e.ensure(owner, "acme", "ci-bot")
	e.fake.InjectFault(fakegitlab.Fault{Method: "POST", Route: saTokenCreateRoute, Status: http.StatusInternalServerError, Times: 1})
	if _, err := owner.issueServiceAccountToken(context.Background(), e.saRequest(time.Hour, "read_api"), "acme", "ci-bot"); err == nil {
		t.Fatal("Issue succeeded through a 500")
	}
	if n := e.fake.Calls("POST", saTokenCreateRoute); n != 1 {
		t.Fatalf("token create sent %d times, want 1", n)
	}
}

// TestServiceAccountLostCreationsRecovered: an account whose answer was
// lost is found by its username; a token whose answer was lost is found by
// its name and revoked, as the write-ahead log's rollback does.
func TestServiceAccountLostCreationsRecovered(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	owner := e.ownerClient()

	if _, err := owner.FindServiceAccount(context.Background(), "acme", "ci-bot"); !errors.Is(err, provider.ErrNotFound) {
		t.Fatalf("find before create: %v, want not found", err)
	}
	e.fake.InjectFault(fakegitlab.Fault{Method: "POST", Route: saCreateRoute, DropAfterCommit: true, Times: 1})
	_, err := owner.CreateServiceAccount(context.Background(), "acme", "ci-bot", "")
	var pe *provider.Error
	if err == nil || errors.As(err, &pe) {
		t.Fatalf("create whose answer was lost: %v, want a transport error (no GitLab status)", err)
	}
	if a, err := owner.FindServiceAccount(context.Background(), "acme", "ci-bot"); err != nil || a.Created || a.ID <= 0 {
		t.Fatalf("find after the lost create: %+v, %v", a, err)
	}

	e.fake.InjectFault(fakegitlab.Fault{Method: "POST", Route: saTokenCreateRoute, DropAfterCommit: true, Times: 1})
	req := e.saRequest(time.Hour, "read_api")
	if _, err = owner.issueServiceAccountToken(context.Background(), req, "acme", "ci-bot"); err == nil {
		t.Fatal("Issue succeeded although its answer was lost")
	}
	if live := e.fake.LiveTokens(); len(live) != 3 {
		t.Fatalf("live tokens %d, want the lost one among 3", len(live))
	}
	n, err := owner.reclaimServiceAccountTokens(context.Background(), "acme", "ci-bot", req.Name)
	if err != nil || n != 1 {
		t.Fatalf("reclaim: %d, %v; want 1", n, err)
	}
	// Nothing left, and an account that does not exist holds nothing.
	if n, err := owner.reclaimServiceAccountTokens(context.Background(), "acme", "ci-bot", req.Name); err != nil || n != 0 {
		t.Fatalf("second reclaim: %d, %v", n, err)
	}
	if n, err := owner.reclaimServiceAccountTokens(context.Background(), "acme", "nobody", req.Name); err != nil || n != 0 {
		t.Fatalf("reclaim on no account: %d, %v", n, err)
	}
}

func TestDeleteUnusedServiceAccount(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, group string }{{"group", "acme"}, {"instance", ""}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			c := e.client
			if tc.group != "" {
				c = e.ownerClient()
			}
			a := e.ensure(c, tc.group, "ci-bot")
			tok, err := c.issueServiceAccountToken(context.Background(), e.saRequest(time.Hour, "read_api"), tc.group, "ci-bot")
			if err != nil {
				t.Fatal(err)
			}
			live, err := c.DeleteUnusedServiceAccount(context.Background(), a)
			if err != nil || live != 1 {
				t.Fatalf("delete with a live token: %d, %v; want 1 live and no delete", live, err)
			}
			if _, ok := e.fake.ServiceAccount("ci-bot"); !ok {
				t.Fatal("the account was deleted under a live token")
			}
			if err := c.Revoke(context.Background(), tok.Handle); err != nil {
				t.Fatal(err)
			}
			if live, err := c.DeleteUnusedServiceAccount(context.Background(), a); err != nil || live != 0 {
				t.Fatalf("delete: %d, %v", live, err)
			}
			if _, ok := e.fake.ServiceAccount("ci-bot"); ok {
				t.Fatal("the account is still there")
			}
			if _, err := c.DeleteUnusedServiceAccount(context.Background(), a); err != nil {
				t.Fatalf("deleting a deleted account: %v", err)
			}
			// Its cached ids are stale now: issuing says to write the role again.
			_, err = c.issueServiceAccountToken(context.Background(), e.saRequest(time.Hour, "read_api"), tc.group, "ci-bot")
			if !errors.Is(err, provider.ErrNotFound) {
				t.Fatalf("issue for a deleted account: %v", err)
			}
		})
	}
}

func TestServiceAccountParent(t *testing.T) {
	t.Parallel()
	for _, a := range []ServiceAccount{{GroupID: 7, ID: 57}, {ID: 9}} {
		got, err := parseServiceAccountParent(a.tokenParent())
		if err != nil || got != a {
			t.Errorf("round trip of %+v: %+v, %v", a, got, err)
		}
	}
	for _, bad := range []string{"", "users/0", "users/x", "groups/7", "groups/7/service_accounts/", "projects/1", "groups/07/service_accounts/5", fmt.Sprintf("groups/%d/service_accounts/1/x", 1)} {
		if _, err := parseServiceAccountParent(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}
