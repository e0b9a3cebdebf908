package e2e

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
)

// testGitHubRepositoryPatternsAndIDs: a role of repository patterns issues
// a token for every installation repository that matches, and one of
// repository ids for exactly those repositories, with the ids in the
// response; patterns matching nothing are a 400 with no token request.
func testGitHubRepositoryPatternsAndIDs(t *testing.T, e *engine) {
	grant := map[string]string{"contents": "read"}
	e.writeRole(t, "pat", "config=gh", "owner="+githubOwner, "repositories=IN*,d?cs", "permissions=contents=read")
	pat := e.readCreds(t, "pat")
	if msg := e.scopeMismatch(pat, tokenScope{repos: []string{"docs", "infra"}, perms: grant}); msg != "" {
		t.Fatalf("pattern role: %s", msg)
	}

	app := strconv.FormatInt(e.gh.RepositoryID(githubOwner+"/app"), 10)
	infra := strconv.FormatInt(e.gh.RepositoryID(githubOwner+"/infra"), 10)
	e.writeRole(t, "ids", "config=gh", "owner="+githubOwner, "repository_ids="+app+","+infra, "permissions=contents=read")
	ids := e.readCreds(t, "ids")
	if msg := e.scopeMismatch(ids, tokenScope{repos: []string{"app", "infra"}, perms: grant}); msg != "" {
		t.Fatalf("ids role: %s", msg)
	}
	if got := fmt.Sprint(ids.Data["repository_ids"]); got != fmt.Sprint([]any{app, infra}) {
		t.Fatalf("response repository_ids %s, want [%s %s]", got, app, infra)
	}
	narrowed, err := e.v.api().Logical().Write(e.path+"/creds/ids", map[string]any{"repository_ids": infra})
	if err != nil {
		t.Fatal(err)
	}
	one := credsFromSecret(narrowed)
	if msg := e.scopeMismatch(one, tokenScope{repos: []string{"infra"}, perms: grant}); msg != "" {
		t.Fatalf("narrowed by id: %s", msg)
	}

	e.writeRole(t, "none", "config=gh", "owner="+githubOwner, "repositories=legacy-*")
	before := len(e.gh.LiveTokens())
	_, err = e.v.api().Logical().Read(e.path + "/creds/none")
	if err == nil || !strings.Contains(err.Error(), "400") || !strings.Contains(err.Error(), "match no repository") {
		t.Fatalf("patterns matching nothing: %v", err)
	}
	if after := len(e.gh.LiveTokens()); after != before {
		t.Fatalf("live tokens went from %d to %d on a refused request", before, after)
	}
	e.revokeAll(t, pat, ids, one)
}
