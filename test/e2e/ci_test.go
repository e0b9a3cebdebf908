package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitlab"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/oidcissuer"
)

// ciAudience is the aud a job's ID token is minted for (id_tokens: aud: in
// .gitlab-ci.yml, audience: in the GitHub workflow).
const ciAudience = "https://vault.example.com"

// ciWorld is one engine mount, an OIDC issuer standing in for GitLab's and
// GitHub's, and a JWT auth mount of its own that trusts it.
type ciWorld struct {
	e        *engine
	issuer   *oidcissuer.Issuer
	auth     string // JWT auth mount path
	accessor string
}

// testCIJobsGetTheirOwnProject: CI jobs log in with their ID token through
// Vault's JWT auth and each gets a token for its own project only, from one
// identity-templated role; Vault's bound_claims are the allowlist.
func testCIJobsGetTheirOwnProject(t *testing.T, e *engine) {
	w := newCIWorld(t, e)
	e.gl.AddProject("acme/api")
	pathTpl := fmt.Sprintf("{{identity.entity.aliases.%s.metadata.project_path}}", w.accessor)
	repoTpl := fmt.Sprintf("{{identity.entity.aliases.%s.metadata.repository}}", w.accessor)
	e.writeRole(t, "gl-ci", "config=gl", "token_type=project", "path="+pathTpl, "scopes=read_repository",
		"access_level=developer", "scope_template=true")
	e.writeRole(t, "gh-ci", "config=gh", "owner="+githubOwner, "repositories="+repoTpl, "permissions=contents=read",
		"scope_template=true")

	t.Run("each GitLab job gets its own project", func(t *testing.T) {
		for i, project := range []string{"acme/app", "acme/api"} {
			job := oidcissuer.GitLabJob{Project: project, ProjectID: int64(10 + i), PipelineID: 300, JobID: int64(7000 + i),
				Ref: "main", UserLogin: "dev", Audience: ciAudience}
			token := w.login(t, "gitlab", job.Claims(w.issuer.URL(), time.Now()))
			c := e.readCredsAs(t, token, "gl-ci")
			for _, other := range []string{"acme/app", "acme/api"} {
				if reaches := gitlabReaches(e.gl, c.token(), other); reaches != (other == project) {
					t.Fatalf("the token of a job of %s reaches %s: %v", project, other, reaches)
				}
			}
			jobID := fmt.Sprint(job.JobID)
			live, _ := e.gl.Lookup(c.token())
			t.Logf("GitLab token description: %s", live.Description)
			if !strings.Contains(live.Description, "job_id="+jobID) || !strings.Contains(live.Description, "project_path="+project) {
				t.Errorf("GitLab's description %q does not name the job", live.Description)
			}
			md := w.requesterMetadata(t, c)
			for k, want := range map[string]string{"project_path": project, "job_id": jobID, "pipeline_id": "300", "ref": "main"} {
				if md[k] != want {
					t.Errorf("tokens/%s requester alias metadata %s=%q, want %q", c.ref(), k, md[k], want)
				}
			}
			// The job ends: its Vault token is revoked, and with it the lease.
			e.v.vault(t, "token", "revoke", token)
			e.waitRevoked(t, "job token revoked", c)
		}
	})

	t.Run("each GitHub run gets its own repository", func(t *testing.T) {
		for i, repo := range []string{"app", "infra"} {
			run := oidcissuer.GitHubRun{Repository: githubOwner + "/" + repo, RepositoryID: int64(500 + i), RunID: int64(900 + i),
				Ref: "main", Actor: "dev", Audience: ciAudience}
			token := w.login(t, "github", run.Claims(w.issuer.URL(), time.Now()))
			c := e.readCredsAs(t, token, "gh-ci")
			live, _ := e.gh.Lookup(c.token())
			if !reflect.DeepEqual(live.Repositories, []string{repo}) {
				t.Fatalf("the run of %s got a token for %v", run.Repository, live.Repositories)
			}
			if md := w.requesterMetadata(t, c); md["repository"] != run.Repository || md["run_id"] != fmt.Sprint(run.RunID) {
				t.Errorf("requester alias metadata %v", md)
			}
			e.v.vault(t, "token", "revoke", token)
			e.waitRevoked(t, "run token revoked", c)
		}
	})

	t.Run("logins Vault refuses", func(t *testing.T) {
		now := time.Now()
		job := oidcissuer.GitLabJob{Project: "acme/app", ProjectID: 10, PipelineID: 1, JobID: 1, Ref: "main", UserLogin: "dev", Audience: ciAudience}
		outsider := job
		outsider.Project, outsider.ProjectID = "acme/secret", 99
		expired := job.Claims(w.issuer.URL(), now)
		expired["iat"], expired["nbf"], expired["exp"] = now.Add(-2*time.Hour).Unix(), now.Add(-2*time.Hour).Unix(), now.Add(-time.Hour).Unix()
		wrongAud := job.Claims(w.issuer.URL(), now)
		wrongAud["aud"] = "https://other.example.com"
		noProject := job.Claims(w.issuer.URL(), now)
		delete(noProject, "project_path")
		forged, err := w.issuer.Forge(job.Claims(w.issuer.URL(), now))
		if err != nil {
			t.Fatal(err)
		}
		// The job as it is logs in: each case below differs in one thing.
		w.login(t, "gitlab", job.Claims(w.issuer.URL(), now))
		e.gl.ResetCalls()
		for name, jwt := range map[string]string{
			"project outside bound_claims": w.sign(t, outsider.Claims(w.issuer.URL(), now)),
			"expired":                      w.sign(t, expired),
			"wrong audience":               w.sign(t, wrongAud),
			"missing project_path":         w.sign(t, noProject),
			"forged signature":             forged,
		} {
			if _, _, err := e.v.srv.CLI("write", "-field=token", w.auth+"/login", "role=gitlab", "jwt="+jwt); err == nil {
				t.Errorf("%s: login succeeded", name)
			}
		}
		if n := e.gl.TotalCalls(); n != 0 {
			t.Fatalf("%d GitLab calls for refused logins", n)
		}
	})

	t.Run("claims that would widen the scope are refused at creds", func(t *testing.T) {
		e.gl.ResetCalls()
		e.gh.ResetCalls()
		for i, project := range []string{"*", "acme/*", "acme/app,acme/api", "../x", "acme/../secret", "acme/app acme/api"} {
			job := oidcissuer.GitLabJob{Project: "acme/app", ProjectID: int64(600 + i), PipelineID: 1, JobID: 1, Ref: "main", UserLogin: "dev", Audience: ciAudience}
			claims := job.Claims(w.issuer.URL(), time.Now())
			claims["project_path"] = project // namespace_path stays acme: the login's bound claim holds
			token := w.login(t, "gitlab-acme", claims)
			if _, err := e.tryReadCreds(token, "gl-ci"); !engineRefused(err, "gl-ci") {
				t.Errorf("project_path %q: creds not refused with 403: %v", project, err)
			}
		}
		for i, repository := range []string{"evil/app", "acme/*", "acme/app,acme/infra", "acme/../app"} {
			run := oidcissuer.GitHubRun{Repository: "acme/app", RepositoryID: int64(700 + i), RunID: 1, Ref: "main", Actor: "dev", Audience: ciAudience}
			claims := run.Claims(w.issuer.URL(), time.Now())
			claims["repository"] = repository // repository_owner stays acme
			token := w.login(t, "github", claims)
			if _, err := e.tryReadCreds(token, "gh-ci"); !engineRefused(err, "gh-ci") {
				t.Errorf("repository %q: creds not refused with 403: %v", repository, err)
			}
		}
		if n, m := e.gl.TotalCalls(), e.gh.TotalCalls(); n+m != 0 {
			t.Fatalf("%d GitLab and %d GitHub calls for refused claims", n, m)
		}
	})
}

// newCIWorld starts the issuer and mounts JWT auth at auth-<engine mount>
// with one JWT role per CI flavour, each attaching a policy that may read
// only its engine role:
//
//   - gitlab: the allowlist, jobs of acme/app and acme/api;
//   - gitlab-acme: any project of namespace acme (to reach the engine with
//     odd project_path values, which the engine must refuse);
//   - github: any repository of owner acme.
func newCIWorld(t *testing.T, e *engine) *ciWorld {
	t.Helper()
	issuer, err := oidcissuer.New()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(issuer)
	t.Cleanup(srv.Close)
	issuer.SetURL(srv.URL)

	w := &ciWorld{e: e, issuer: issuer, auth: "auth/jwt-" + e.path}
	v := e.v
	v.vault(t, "auth", "enable", "-path=jwt-"+e.path, "jwt")
	t.Cleanup(func() { _, _, _ = v.srv.CLI("auth", "disable", "jwt-"+e.path) })
	var mounts map[string]struct {
		Accessor string `json:"accessor"`
	}
	if err := json.Unmarshal([]byte(v.vault(t, "auth", "list", "-format=json")), &mounts); err != nil {
		t.Fatal(err)
	}
	w.accessor = mounts["jwt-"+e.path+"/"].Accessor
	if w.accessor == "" {
		t.Fatal("no accessor for the JWT auth mount")
	}
	write := func(path string, data map[string]any) {
		t.Helper()
		if _, err := v.api().Logical().Write(path, data); err != nil {
			t.Fatalf("write %s: %v\n%s", path, err, v.logTail())
		}
	}
	write(w.auth+"/config", map[string]any{"oidc_discovery_url": issuer.URL(), "bound_issuer": issuer.URL()})
	for name, rules := range map[string]string{
		"ci-gl-" + e.path: fmt.Sprintf("path %q { capabilities = [\"read\"] }\n", e.path+"/creds/gl-ci"),
		"ci-gh-" + e.path: fmt.Sprintf("path %q { capabilities = [\"read\"] }\n", e.path+"/creds/gh-ci"),
	} {
		if err := v.api().Sys().PutPolicy(name, rules); err != nil {
			t.Fatal(err)
		}
	}
	gitlabMappings := map[string]any{
		"project_path": "project_path", "namespace_path": "namespace_path", "pipeline_id": "pipeline_id",
		"job_id": "job_id", "ref": "ref", "ref_protected": "ref_protected", "user_login": "user_login",
	}
	gitlabRole := func(bound map[string]any) map[string]any {
		return map[string]any{
			"role_type": "jwt", "user_claim": "project_id", "bound_audiences": ciAudience,
			"bound_claims_type": "string", "bound_claims": bound, "claim_mappings": gitlabMappings,
			"token_policies": "ci-gl-" + e.path, "token_ttl": "10m",
		}
	}
	write(w.auth+"/role/gitlab", gitlabRole(map[string]any{"project_path": []string{"acme/app", "acme/api"}, "ref_protected": "true"}))
	write(w.auth+"/role/gitlab-acme", gitlabRole(map[string]any{"namespace_path": "acme"}))
	write(w.auth+"/role/github", map[string]any{
		"role_type": "jwt", "user_claim": "repository_id", "bound_audiences": ciAudience,
		"bound_claims": map[string]any{"repository_owner": githubOwner},
		"claim_mappings": map[string]any{
			"repository": "repository", "repository_owner": "repository_owner", "run_id": "run_id",
			"workflow_ref": "workflow_ref", "ref": "ref", "actor": "actor",
		},
		"token_policies": "ci-gh-" + e.path, "token_ttl": "10m",
	})
	return w
}

func (w *ciWorld) sign(t *testing.T, claims map[string]any) string {
	t.Helper()
	jwt, err := w.issuer.Sign(claims)
	if err != nil {
		t.Fatal(err)
	}
	return jwt
}

// login logs in as a CI job does, `vault write auth/jwt/login role=... jwt=...`,
// and returns the job's Vault token.
func (w *ciWorld) login(t *testing.T, role string, claims map[string]any) string {
	t.Helper()
	out := w.e.v.vault(t, "write", "-field=token", w.auth+"/login", "role="+role, "jwt="+w.sign(t, claims))
	return strings.TrimSpace(out)
}

// requesterMetadata reads tokens/<ref> and returns the metadata of the
// requester's alias on the JWT mount.
func (w *ciWorld) requesterMetadata(t *testing.T, c *creds) map[string]any {
	t.Helper()
	s, err := w.e.v.api().Logical().Read(w.e.path + "/tokens/" + c.ref())
	if err != nil || s == nil {
		t.Fatalf("read tokens/%s: %v", c.ref(), err)
	}
	requester, _ := s.Data["requester"].(map[string]any)
	aliases, _ := requester["aliases"].([]any)
	for _, a := range aliases {
		alias, _ := a.(map[string]any)
		if alias["mount_accessor"] == w.accessor && alias["mount_type"] == "jwt" {
			md, _ := alias["metadata"].(map[string]any)
			return md
		}
	}
	t.Fatalf("tokens/%s: no alias of the JWT mount in requester %v", c.ref(), requester)
	return nil
}

// engineRefused says whether err is the engine's 403 for role's template,
// not Vault's own permission denied.
func engineRefused(err error, role string) bool {
	return err != nil && strings.Contains(err.Error(), "403") && strings.Contains(err.Error(), fmt.Sprintf("role %q", role))
}

// gitlabReaches says whether GitLab lets token clone project.
func gitlabReaches(gl *fakegitlab.Server, token, project string) bool {
	r, _ := http.NewRequest(http.MethodGet, "/", nil)
	r.SetBasicAuth("ci", token)
	return gl.CheckBasicAuth(r, project, "read_repository") == nil
}
