package e2e

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/oidcissuer"
)

// testTerraformCIIdentity applies examples/terraform/ci-identity (JWT auth,
// its role, the policy and the identity-templated engine role, written with
// the provider's resources) with the test OIDC issuer standing in for
// GitLab's. Jobs of the allowlisted projects log in as a job does and each
// gets a token that reaches its own project only; a job of another project
// is refused at login; a second plan shows no change; destroy removes it
// all once the jobs' tokens are revoked. It needs the GitLab connection of
// examples/terraform, config/gitlab.
func testTerraformCIIdentity(t *testing.T, tf *terraform, e *engine) {
	issuer, err := oidcissuer.New()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(issuer)
	t.Cleanup(srv.Close)
	issuer.SetURL(srv.URL)
	e.gl.AddProject("acme/api")
	allowed := []string{"acme/app", "acme/api"}

	const jwtPath, role = "jwt", "gitlab-ci"
	vars := []string{
		"TF_VAR_mount=" + e.path,
		"TF_VAR_jwt_path=" + jwtPath,
		"TF_VAR_role=" + role,
		"TF_VAR_ci_issuer=" + issuer.URL(),
		"TF_VAR_audience=" + ciAudience,
		// Unsorted, as users list them; the module sorts.
		`TF_VAR_projects=["acme/app", "acme/api"]`,
	}
	dir := tf.workspace(t, "examples/terraform/ci-identity")
	out := tf.must(t, dir, vars, "apply", "-auto-approve")
	t.Logf("terraform apply (examples/terraform/ci-identity):\n%s", out)

	login := func(job oidcissuer.GitLabJob) (string, error) {
		jwt, err := issuer.Sign(job.Claims(issuer.URL(), time.Now()))
		if err != nil {
			t.Fatal(err)
		}
		// As a job does: vault write auth/jwt/login role=... jwt=$VAULT_ID_TOKEN
		stdout, _, err := e.v.srv.CLI("write", "-field=token", "auth/"+jwtPath+"/login", "role="+role, "jwt="+jwt)
		return strings.TrimSpace(stdout), err
	}
	for i, project := range allowed {
		job := oidcissuer.GitLabJob{Project: project, ProjectID: int64(10 + i), PipelineID: 300, JobID: int64(7000 + i),
			Ref: "main", UserLogin: "dev", Audience: ciAudience}
		token, err := login(job)
		if err != nil {
			t.Fatalf("a job of %s cannot log in: %v\n--- end of the Vault log ---\n%s", project, err, e.v.logTail())
		}
		c := e.readCredsAs(t, token, role)
		for _, other := range allowed {
			if reaches := gitlabReaches(e.gl, c.token(), other); reaches != (other == project) {
				t.Fatalf("the token of a job of %s reaches %s: %v", project, other, reaches)
			}
		}
		// The job ends: revoking its Vault token revokes the lease, and the
		// engine the GitLab token.
		e.v.vault(t, "token", "revoke", token)
		e.waitRevoked(t, "job token revoked", c)
	}

	outsider := oidcissuer.GitLabJob{Project: "acme/secret", ProjectID: 99, PipelineID: 1, JobID: 1,
		Ref: "main", UserLogin: "dev", Audience: ciAudience}
	if _, err := login(outsider); err == nil || !strings.Contains(err.Error(), "project_path") {
		t.Fatalf("a job of a project outside the allowlist: login not refused on project_path: %v", err)
	}

	if out, code := tf.run(t, dir, vars, "plan", "-detailed-exitcode"); code != 0 {
		t.Fatalf("a second plan of examples/terraform/ci-identity exited %d, want 0 (no changes):\n%s", code, out)
	}

	tf.must(t, dir, vars, "destroy", "-auto-approve")
	if s, err := e.v.api().Logical().Read(e.path + "/roles/" + role); err != nil || s != nil {
		t.Errorf("after destroy, %s/roles/%s: %v (still there: %t)", e.path, role, err, s != nil)
	}
	auths, err := e.v.api().Sys().ListAuth()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := auths[jwtPath+"/"]; ok {
		t.Errorf("after destroy, JWT auth is still mounted at %s/", jwtPath)
	}
	if p, err := e.v.api().Sys().GetPolicy(role); err != nil || p != "" {
		t.Errorf("after destroy, policy %s: %v (still there: %t)", role, err, p != "")
	}
}
