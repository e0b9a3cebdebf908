package gitsecrets

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/vault/sdk/framework"
	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	glp "github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider/gitlab"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitlab"
)

// TestLostCreationSparesTokenWithLongNames: a role and a requester whose
// names fill the provider-side name (a Kubernetes service account's display
// name is often 60+ characters) still give two tokens distinct names, each
// carrying its token_ref, so the rollback of one lost creation, which
// revokes every live token with its name, leaves the other client's leased
// token alone.
func TestLostCreationSparesTokenWithLongNames(t *testing.T) {
	t.Parallel()
	e := newGitLabEnv(t)
	role := strings.Repeat("deploy_", maxNameLength/7)
	e.ok(logical.CreateOperation, "roles/"+role, map[string]any{"config": "gl", "token_type": "project", "path": "acme/app", "scopes": "read_api"})
	display := "kubernetes-" + strings.Repeat("çi-rünner-sérvice-accöunt-", 4)
	creds := func() (*logical.Response, error) {
		return e.b.HandleRequest(context.Background(), &logical.Request{
			Operation: logical.ReadOperation, Path: "creds/" + role, Storage: e.storage,
			MountPoint: "git/", DisplayName: display, EntityID: "entity-k8s",
		})
	}
	leased, err := creds()
	if err != nil || leased.IsError() {
		t.Fatalf("creds: %v %v", err, leased.Error())
	}
	token, ref := leased.Data["token"].(string), leased.Data["token_ref"].(string)

	e.gl.InjectFault(fakegitlab.Fault{Method: "POST", Route: "/projects/{id}/access_tokens", DropAfterCommit: true, Times: 1})
	if resp, err := creds(); err == nil && !resp.IsError() {
		t.Fatal("creds succeeded over a dropped connection")
	}
	lostRef := walTokenRefs(t, e.storage)
	if len(lostRef) != 1 {
		t.Fatalf("WAL entries for tokens: %v", lostRef)
	}

	names := map[string]bool{}
	for _, tok := range e.gl.LiveTokens() {
		names[tok.Name] = true
	}
	leasedTok, _ := e.gl.Lookup(token)
	if !strings.HasSuffix(leasedTok.Name, ref) || len(names) != 3 {
		t.Errorf("leased token named %q (ref %s); live names %v", leasedTok.Name, ref, names)
	}
	found := false
	for name := range names {
		found = found || strings.HasSuffix(name, lostRef[0])
	}
	if !found {
		t.Errorf("no live token carries the lost creation's ref %s: %v", lostRef[0], names)
	}

	e.rollback()
	if _, live := e.gl.Lookup(token); !live {
		t.Fatal("the rollback of a lost creation revoked another client's leased token")
	}
	if n := len(e.gl.LiveTokens()); n != 2 {
		t.Fatalf("%d live tokens after the rollback, want the connection's and the leased one", n)
	}
	if err := e.revoke(leased); err != nil {
		t.Fatal(err)
	}
}

// walTokenRefs lists the refs of the token WAL entries in storage.
func walTokenRefs(t testing.TB, s logical.Storage) []string {
	t.Helper()
	ctx := context.Background()
	ids, err := framework.ListWAL(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	var refs []string
	for _, id := range ids {
		entry, err := framework.GetWAL(ctx, s, id)
		if err != nil || entry == nil || entry.Kind != walKindToken {
			continue
		}
		var w walToken
		if err := decodeWAL(entry.Data, &w); err != nil {
			t.Fatal(err)
		}
		refs = append(refs, w.Ref)
	}
	return refs
}

// TestRollbackFindsTokenByOldName: a WAL entry written by a release that
// named tokens with ref[:8] stores that name, and its rollback still finds
// and revokes the token by it.
func TestRollbackFindsTokenByOldName(t *testing.T) {
	t.Parallel()
	e := newGitLabEnv(t)
	ctx := context.Background()
	conn, err := e.b.connection(ctx, e.storage, "gl")
	if err != nil {
		t.Fatal(err)
	}
	client, err := e.b.client(conn)
	if err != nil {
		t.Fatal(err)
	}
	ref := uuid.NewString()
	w := walToken{
		Ref: ref, Config: "gl", Provider: "gitlab", BaseURL: conn.BaseURL, TokenType: "project",
		Name: "vault-app-token-alice-" + ref[:8], Scope: provider.Encode(glp.Scope{Path: "acme/app", Scopes: []string{"read_api"}}),
	}
	if _, err := client.Issue(ctx, provider.IssueRequest{TokenType: w.TokenType, Scope: w.Scope, NotAfter: time.Now().Add(time.Hour), Name: w.Name}); err != nil {
		t.Fatal(err)
	}
	if _, err := framework.PutWAL(ctx, e.storage, walKindToken, w); err != nil {
		t.Fatal(err)
	}
	e.rollback()
	if n := len(e.gl.LiveTokens()); n != 1 {
		t.Fatalf("%d live tokens after the rollback, want only the connection's", n)
	}
	if refs := walTokenRefs(t, e.storage); len(refs) != 0 {
		t.Fatalf("WAL entries left: %v", refs)
	}
}
