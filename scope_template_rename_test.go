package gitsecrets

import (
	"testing"

	"github.com/hashicorp/vault/sdk/logical"
)

// The GitLab client remembers a path's numeric id for an hour. When a
// project is renamed and another project takes its old path, a CI job of
// the new project, filling path={{...project_path}} with its own path,
// must not get a token for the renamed project that the cache still maps
// the path to: that is another tenant's project.
func TestScopeTemplateGitLabRenamedPathReachesTheNewProject(t *testing.T) {
	t.Parallel()
	e := newGitLabEnv(t)
	e.ok(logical.CreateOperation, "roles/ci", map[string]any{
		"config": "gl", "token_type": "project", "path": projectPathTpl, "scopes": "read_repository", "scope_template": true,
	})
	e.ciJob(map[string]string{"project_path": "acme/app"})
	if err := e.revoke(e.ok(logical.ReadOperation, "creds/ci", nil)); err != nil { // caches acme/app
		t.Fatal(err)
	}
	e.gl.RenameProject("acme/app", "app-private")
	e.gl.AddProject("acme/app") // someone else's, at the freed path

	resp := e.ok(logical.ReadOperation, "creds/ci", nil)
	defer e.revoke(resp)
	token := resp.Data["token"].(string)
	if gitlabReaches(e.gl, token, "acme/app-private") {
		t.Fatal("a job of the new acme/app got a token for the renamed project acme/app-private")
	}
	if !gitlabReaches(e.gl, token, "acme/app") {
		t.Fatal("the job's token does not reach its own project")
	}
}
