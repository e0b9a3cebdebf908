package gitsecrets

import (
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/hashicorp/vault/sdk/logical"
)

// TestGitHubRepositoryIDs: a role restricted by repository id issues
// tokens that reach exactly those repositories, a creds request narrows
// within the ids, and the response lists both names and ids.
func TestGitHubRepositoryIDs(t *testing.T) {
	t.Parallel()
	e := newGitHubEnv(t)
	app := strconv.FormatInt(e.gh.RepositoryID("acme/app"), 10)
	infra := strconv.FormatInt(e.gh.RepositoryID("acme/infra"), 10)
	e.ok(logical.CreateOperation, "roles/ids", map[string]any{"config": "gh", "owner": "acme", "repository_ids": app + "," + infra})
	if got := e.ok(logical.ReadOperation, "roles/ids", nil).Data["repository_ids"]; !reflect.DeepEqual(got, []string{app, infra}) {
		t.Fatalf("role read repository_ids = %v", got)
	}

	resp := e.ok(logical.ReadOperation, "creds/ids", nil)
	live, _ := e.gh.Lookup(resp.Data["token"].(string))
	if !reflect.DeepEqual(live.Repositories, []string{"app", "infra"}) {
		t.Fatalf("the token reaches %v", live.Repositories)
	}
	if !reflect.DeepEqual(resp.Data["repositories"], []string{"app", "infra"}) || !reflect.DeepEqual(resp.Data["repository_ids"], []string{app, infra}) {
		t.Fatalf("creds data: repositories %v repository_ids %v", resp.Data["repositories"], resp.Data["repository_ids"])
	}
	if err := e.revoke(resp); err != nil {
		t.Fatal(err)
	}

	resp = e.ok(logical.UpdateOperation, "creds/ids", map[string]any{"repository_ids": infra})
	live, _ = e.gh.Lookup(resp.Data["token"].(string))
	if !reflect.DeepEqual(live.Repositories, []string{"infra"}) {
		t.Fatalf("narrowed to infra's id, the token reaches %v", live.Repositories)
	}
	if err := e.revoke(resp); err != nil {
		t.Fatal(err)
	}

	e.gh.ResetCalls()
	docs := strconv.FormatInt(e.gh.RepositoryID("acme/docs"), 10)
	for _, tc := range []struct {
		data map[string]any
		want string
	}{
		{map[string]any{"repository_ids": docs}, "repository_ids not allowed by the role"},
		{map[string]any{"repository_ids": "x1"}, "is not a repository id"},
		{map[string]any{"repositories": "docs"}, "the role names its repositories by id"},
	} {
		if msg := e.bad(logical.UpdateOperation, "creds/ids", tc.data); !strings.Contains(msg, tc.want) {
			t.Errorf("%v: %s, want %q", tc.data, msg, tc.want)
		}
	}
	if msg := e.bad(logical.CreateOperation, "roles/bad", map[string]any{"config": "gh", "owner": "acme", "repository_ids": "app"}); !strings.Contains(msg, "is not a repository id") {
		t.Errorf("role write with a name as id: %s", msg)
	}
	if n := e.gh.TotalCalls(); n != 0 {
		t.Fatalf("%d GitHub calls for refused requests", n)
	}
}

// TestScopeTemplateGitHubRepositoryID: repository_ids take a template, so
// a GitHub Actions job's repository_id claim fits as it is; a claim that
// is not a number is refused with no GitHub call.
func TestScopeTemplateGitHubRepositoryID(t *testing.T) {
	t.Parallel()
	e := newGitHubEnv(t)
	tpl := "{{identity.entity.aliases." + testJWTAccessor + ".metadata.repository_id}}"
	e.ok(logical.CreateOperation, "roles/ci", map[string]any{"config": "gh", "owner": "acme", "repository_ids": tpl, "scope_template": true})
	if got := e.ok(logical.ReadOperation, "roles/ci", nil).Data["repository_ids"]; !reflect.DeepEqual(got, []string{tpl}) {
		t.Fatalf("role read repository_ids = %v", got)
	}
	for _, repo := range []string{"app", "infra"} {
		id := strconv.FormatInt(e.gh.RepositoryID("acme/"+repo), 10)
		e.ciJob(map[string]string{"repository_id": id})
		resp := e.ok(logical.ReadOperation, "creds/ci", nil)
		live, _ := e.gh.Lookup(resp.Data["token"].(string))
		if !reflect.DeepEqual(live.Repositories, []string{repo}) {
			t.Fatalf("job of %s (id %s) got a token for %v", repo, id, live.Repositories)
		}
		if err := e.revoke(resp); err != nil {
			t.Fatal(err)
		}
	}
	e.gh.ResetCalls()
	for _, claim := range []string{"app", "12a", "-3", "0"} {
		e.ciJob(map[string]string{"repository_id": claim})
		e.forbidden(logical.ReadOperation, "creds/ci", nil)
	}
	if n := e.gh.TotalCalls(); n != 0 {
		t.Fatalf("%d GitHub calls for refused templates", n)
	}
	if msg := e.bad(logical.CreateOperation, "roles/part", map[string]any{"config": "gh", "owner": "acme", "repository_ids": "1" + tpl, "scope_template": true}); !strings.Contains(msg, "must be the whole value") {
		t.Fatalf("a partial id template: %s", msg)
	}
}
