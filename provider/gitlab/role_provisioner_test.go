package gitlab

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// TestRoleProvisioner: other token types have no resource; a missing
// account is a not-found without a status (the backend then creates it);
// the created one is found again under the same Key, not as created; its
// deletion waits for GitLab's live tokens, and then issuing fails.
func TestRoleProvisioner(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	c := e.ownerClient()
	ctx := context.Background()
	scope := provider.Encode(Scope{Path: "acme", ServiceAccount: "ci-bot", Scopes: []string{"read_api"}})

	if r, err := c.FindRoleResource(ctx, TokenTypeProject, provider.Encode(Scope{Path: "acme/app", Scopes: []string{"read_api"}})); r != nil || err != nil {
		t.Fatalf("project role: %v, %v; want no resource", r, err)
	}
	_, err := c.FindRoleResource(ctx, TokenTypeServiceAccount, scope)
	var pe *provider.Error
	if !errors.As(err, &pe) || pe.Status != 0 || !errors.Is(err, provider.ErrNotFound) {
		t.Fatalf("missing account: %v, want a not-found without a status", err)
	}

	made, warnings, err := c.CreateRoleResource(ctx, TokenTypeServiceAccount, scope, "Vault git/role \"ci\"")
	if err != nil || !made.Created || len(warnings) != 1 || !strings.Contains(warnings[0], "member of nothing") {
		t.Fatalf("create: %+v, %v, %v", made, warnings, err)
	}
	found, err := c.FindRoleResource(ctx, TokenTypeServiceAccount, scope)
	if err != nil || found.Key != made.Key || found.Created || found.Name != made.Name {
		t.Fatalf("found %+v (%v), want %+v not created", found, err, made)
	}

	tok, err := c.Issue(ctx, e.saRequest(time.Hour, "read_api"))
	if err == nil {
		t.Fatalf("issue without the account in the request's scope: %+v", tok)
	}
	req := e.saRequest(time.Hour, "read_api")
	req.Scope = scope
	tok, err = c.Issue(ctx, req)
	if err != nil || tok.Username != "ci-bot" || scopeIn(tok).ServiceAccount != "ci-bot" {
		t.Fatalf("issue: %+v, %v", tok, err)
	}
	if kept, err := c.DeleteRoleResource(ctx, *made); err != nil || kept != 1 {
		t.Fatalf("delete with a live token: kept %d, %v; want 1 kept", kept, err)
	}
	if err := c.Revoke(ctx, tok.Handle); err != nil {
		t.Fatal(err)
	}
	if kept, err := c.DeleteRoleResource(ctx, *made); err != nil || kept != 0 {
		t.Fatalf("delete: kept %d, %v", kept, err)
	}
	if _, err := c.Issue(ctx, req); !errors.Is(err, provider.ErrNotFound) {
		t.Fatalf("issue after the delete: %v, want not found", err)
	}
}
