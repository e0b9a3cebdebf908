package gitsecrets

import (
	"errors"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitlab"
)

const (
	testJWTAccessor = "auth_jwt_1a2b3c4d"
	projectPathTpl  = "{{identity.entity.aliases." + testJWTAccessor + ".metadata.project_path}}"
	repositoryTpl   = "{{identity.entity.aliases." + testJWTAccessor + ".metadata.repository}}"
)

// ciJob makes the next requests come from a CI job logged in through JWT
// auth, whose claim_mappings put these claims on its alias.
func (e *testEnv) ciJob(metadata map[string]string) {
	e.b.System().(*logical.StaticSystemView).EntityVal = &logical.Entity{
		ID:   "entity-1234",
		Name: "entity_ci",
		Aliases: []*logical.Alias{{
			MountType:     "jwt",
			MountAccessor: testJWTAccessor,
			Name:          metadata["project_path"] + metadata["repository"],
			Metadata:      metadata,
		}},
	}
}

// gitlabReaches says whether GitLab lets token clone project.
func gitlabReaches(gl *fakegitlab.Server, token, project string) bool {
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	r.SetBasicAuth("ci", token)
	return gl.CheckBasicAuth(r, project, "read_repository") == nil
}

// forbidden sends a request that must be refused with 403, and returns the
// message.
func (e *testEnv) forbidden(op logical.Operation, path string, data map[string]any) string {
	e.t.Helper()
	resp, err := e.request(op, path, data)
	var coded logical.HTTPCodedError
	if !errors.As(err, &coded) || coded.Code() != http.StatusForbidden {
		e.t.Fatalf("%s %s: want a 403, got %#v, %v", op, path, resp, err)
	}
	return err.Error()
}

func TestScopeTemplateGitLabJobGetsItsOwnProject(t *testing.T) {
	t.Parallel()
	e := newGitLabEnv(t)
	e.gl.AddProject("acme/api")
	e.ok(logical.CreateOperation, "roles/ci", map[string]any{
		"config": "gl", "token_type": "project", "path": projectPathTpl, "scopes": "read_repository",
		"scope_template": true,
	})
	if got := e.ok(logical.ReadOperation, "roles/ci", nil).Data; got["path"] != projectPathTpl || got["scope_template"] != true {
		t.Fatalf("role read: %v", got)
	}
	for _, project := range []string{"acme/app", "acme/api"} {
		e.ciJob(map[string]string{"project_path": project, "job_id": "7001", "pipeline_id": "300", "ref": "main"})
		resp := e.ok(logical.ReadOperation, "creds/ci", nil)
		token := resp.Data["token"].(string)
		live, ok := e.gl.Lookup(token)
		if !ok {
			t.Fatal("token is not live at GitLab")
		}
		for _, other := range []string{"acme/app", "acme/api"} {
			if reaches := gitlabReaches(e.gl, token, other); reaches != (other == project) {
				t.Fatalf("token of a job of %s reaches %s: %v", project, other, reaches)
			}
		}
		if resp.Data["path"] != project {
			t.Errorf("creds path %v, want %s", resp.Data["path"], project)
		}
		if !strings.Contains(live.Description, "project_path="+project) || !strings.Contains(live.Description, "job_id=7001") {
			t.Errorf("GitLab description %q does not name the job", live.Description)
		}
		inv := e.ok(logical.ReadOperation, "tokens/"+resp.Data["token_ref"].(string), nil)
		aliases := inv.Data["requester"].(map[string]any)["aliases"].([]map[string]any)
		if len(aliases) != 1 || aliases[0]["mount_type"] != "jwt" || aliases[0]["mount_accessor"] != testJWTAccessor ||
			!reflect.DeepEqual(aliases[0]["metadata"], map[string]string{"project_path": project, "job_id": "7001", "pipeline_id": "300", "ref": "main"}) {
			t.Errorf("requester aliases %v", aliases)
		}
		if err := e.revoke(resp); err != nil {
			t.Fatal(err)
		}
	}
	// The stored role still holds the template, not a filled value.
	if got := e.ok(logical.ReadOperation, "roles/ci", nil).Data["path"]; got != projectPathTpl {
		t.Fatalf("role path became %v", got)
	}
}

// A template that cannot be filled, or fills to something wider than one
// project, is refused with 403 before any provider call.
func TestScopeTemplateRefusesWideningOrMissingIdentity(t *testing.T) {
	t.Parallel()
	e := newGitLabEnv(t)
	e.ok(logical.CreateOperation, "roles/whole", map[string]any{
		"config": "gl", "token_type": "project", "path": projectPathTpl, "scopes": "read_repository", "scope_template": true,
	})
	e.ok(logical.CreateOperation, "roles/prefixed", map[string]any{
		"config": "gl", "token_type": "project", "scopes": "read_repository", "scope_template": true,
		"path": "acme/{{identity.entity.aliases." + testJWTAccessor + ".metadata.project}}",
	})
	cases := []struct {
		name, role string
		metadata   map[string]string // nil: no entity at all
	}{
		{"no entity", "whole", nil},
		{"no such key", "whole", map[string]string{"namespace_path": "acme"}},
		{"empty value", "whole", map[string]string{"project_path": ""}},
		{"glob", "whole", map[string]string{"project_path": "*"}},
		{"glob in path", "whole", map[string]string{"project_path": "acme/*"}},
		{"question mark", "whole", map[string]string{"project_path": "acme/ap?"}},
		{"comma", "whole", map[string]string{"project_path": "acme/app,acme/api"}},
		{"dot dot", "whole", map[string]string{"project_path": "../x"}},
		{"dot dot inside", "whole", map[string]string{"project_path": "acme/../x"}},
		{"whitespace", "whole", map[string]string{"project_path": "acme/app acme/api"}},
		{"trailing slash", "whole", map[string]string{"project_path": "acme/app/"}},
		{"slash in a part", "prefixed", map[string]string{"project": "x/y"}},
		{"dot dot in a part", "prefixed", map[string]string{"project": ".."}},
		{"too long", "whole", map[string]string{"project_path": "acme/" + strings.Repeat("a", 300)}},
		{"fails the provider's checks", "whole", map[string]string{"project_path": "-acme/app"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.metadata == nil {
				e.b.System().(*logical.StaticSystemView).EntityVal = nil
			} else {
				e.ciJob(c.metadata)
			}
			e.gl.ResetCalls()
			msg := e.forbidden(logical.ReadOperation, "creds/"+c.role, nil)
			if !strings.Contains(msg, "role \""+c.role+"\"") {
				t.Errorf("message %q does not name the role", msg)
			}
			if n := e.gl.TotalCalls(); n != 0 {
				t.Fatalf("%d provider calls for a refused template", n)
			}
		})
	}
	if live := e.gl.LiveTokens(); len(live) != 1 { // the engine's own admin token
		t.Fatalf("live tokens %v", live)
	}
}

func TestScopeTemplateGitHubRepositoryClaim(t *testing.T) {
	t.Parallel()
	e := newGitHubEnv(t)
	e.ok(logical.CreateOperation, "roles/ci", map[string]any{
		"config": "gh", "owner": "acme", "repositories": repositoryTpl, "permissions": "contents=read", "scope_template": true,
	})
	e.ok(logical.CreateOperation, "roles/byowner", map[string]any{
		"config": "gh", "scope_template": true, "repositories": repositoryTpl,
		"owner": "{{identity.entity.aliases." + testJWTAccessor + ".metadata.repository_owner}}",
	})
	for _, repo := range []string{"app", "infra"} {
		e.ciJob(map[string]string{"repository": "acme/" + repo, "repository_owner": "acme", "run_id": "99"})
		for _, role := range []string{"ci", "byowner"} {
			resp := e.ok(logical.ReadOperation, "creds/"+role, nil)
			live, _ := e.gh.Lookup(resp.Data["token"].(string))
			if !reflect.DeepEqual(live.Repositories, []string{repo}) {
				t.Fatalf("%s: job of acme/%s got a token for %v", role, repo, live.Repositories)
			}
			if err := e.revoke(resp); err != nil {
				t.Fatal(err)
			}
		}
	}
	e.gh.ResetCalls()
	for _, repository := range []string{"evil/app", "acme/*", "acme/app,infra", "acme/app/x", "acme/../app"} {
		e.ciJob(map[string]string{"repository": repository, "repository_owner": "acme"})
		e.forbidden(logical.ReadOperation, "creds/ci", nil)
	}
	// An owner claim naming another owner moves nothing: its repository
	// claim must name that owner too, and the App is not installed there.
	e.ciJob(map[string]string{"repository": "acme/app", "repository_owner": "evil"})
	e.forbidden(logical.ReadOperation, "creds/byowner", nil)
	if n := e.gh.TotalCalls(); n != 0 {
		t.Fatalf("%d GitHub calls for refused templates", n)
	}
	// A narrowing request stays within the filled ceiling.
	e.ciJob(map[string]string{"repository": "acme/app", "repository_owner": "acme"})
	if msg := e.bad(logical.UpdateOperation, "creds/ci", map[string]any{"repositories": "infra"}); !strings.Contains(msg, "not allowed by the role") {
		t.Fatalf("narrowing outside the filled ceiling: %s", msg)
	}
}

func TestScopeTemplateRoleWrite(t *testing.T) {
	t.Parallel()
	e := newGitLabEnv(t)
	base := func(kv ...any) map[string]any {
		m := map[string]any{"config": "gl", "token_type": "project", "scopes": "read_repository"}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	for _, c := range []struct {
		name string
		data map[string]any
		want string
	}{
		{"template without scope_template", base("path", projectPathTpl), "set scope_template=true"},
		{"unbalanced", base("path", "{{identity.entity.name", "scope_template", true), "unbalanced"},
		{"not an identity directive", base("path", "acme/{{time.now}}", "scope_template", true), "is not an identity template"},
		{"bad literal part", base("path", "acme!/{{identity.entity.name}}", "scope_template", true), "acme!"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if msg := e.bad(logical.CreateOperation, "roles/r", c.data); !strings.Contains(msg, c.want) {
				t.Fatalf("message %q, want %q", msg, c.want)
			}
		})
	}
	// scope_template with only literal values is a plain role.
	e.ok(logical.CreateOperation, "roles/plain", base("path", "acme/app", "scope_template", true))
	e.ciJob(map[string]string{})
	if err := e.revoke(e.ok(logical.ReadOperation, "creds/plain", nil)); err != nil {
		t.Fatal(err)
	}

	msg := e.bad(logical.CreateOperation, "static-roles/s", map[string]any{
		"config": "gl", "token_type": "project", "path": projectPathTpl, "scopes": "read_repository", "rotation_period": "24h",
	})
	if !strings.Contains(msg, "static roles do not take identity templates") {
		t.Fatalf("static role: %s", msg)
	}
}
