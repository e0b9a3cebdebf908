package main

import (
	"fmt"
	"hash/fnv"
	"net/http"
	"strings"
	"time"

	"github.com/hashicorp/vault/api"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/oidcissuer"
)

// The sandbox's CI world (docs/ci.md): an OIDC issuer standing in for the
// fake GitLab's, Vault's JWT auth at jwt/ trusting it, a JWT role whose
// bound_claims admit jobs of two projects, and one identity-templated
// engine role that gives each job a token for its own project.
const (
	ciAuthMount = "jwt"
	ciJWTRole   = "gitlab-ci"
	ciRole      = "gl-ci"
	ciAudience  = "https://vault.sandbox"
	// ciOtherProject is the second project jobs may come from.
	ciOtherProject = fakeGroup + "/api"
	// ciOutsider is a project not on the allowlist.
	ciOutsider = fakeGroup + "/secret"
)

// ciIssuer serves the issuer's discovery document and keys, and at
// /ci/id-token?project=P the ID token a GitLab CI job of P would be given
// (id_tokens: in .gitlab-ci.yml), valid for ten minutes.
type ciIssuer struct {
	*oidcissuer.Issuer
	jobs int64
}

func startCIIssuer(started func(stop func())) (*ciIssuer, error) {
	iss, err := oidcissuer.New()
	if err != nil {
		return nil, err
	}
	ci := &ciIssuer{Issuer: iss}
	mux := http.NewServeMux()
	mux.Handle("/", iss)
	mux.HandleFunc("/ci/id-token", ci.mint)
	url, stop, err := fakeserver.ServeLoopback(mux)
	if err != nil {
		return nil, err
	}
	started(stop)
	iss.SetURL(url)
	return ci, nil
}

func (ci *ciIssuer) mint(w http.ResponseWriter, r *http.Request) {
	project := r.URL.Query().Get("project")
	if project == "" {
		http.Error(w, "?project=group/name is required", http.StatusBadRequest)
		return
	}
	ci.jobs++ // one request at a time in a tour; a race only repeats an id
	// project_id is the JWT role's user_claim: it must differ per project,
	// or two projects would share one entity and its alias metadata.
	h := fnv.New32a()
	h.Write([]byte(project))
	job := oidcissuer.GitLabJob{Project: project, ProjectID: int64(h.Sum32()), PipelineID: 500,
		JobID: 9000 + ci.jobs, Ref: "main", UserLogin: "dev", Audience: ciAudience}
	token, err := ci.Sign(job.Claims(ci.URL(), time.Now()))
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	fmt.Fprintln(w, token)
}

// configureCI mounts JWT auth, trusts the issuer, and writes the JWT role,
// its policy and the templated engine role through the Vault API.
func (e *vaultEnv) configureCI(ci *ciIssuer) error {
	client := e.srv.Client()
	if err := client.Sys().EnableAuthWithOptions(ciAuthMount, &api.EnableAuthOptions{Type: "jwt"}); err != nil {
		return fmt.Errorf("enable jwt auth: %w", err)
	}
	auths, err := client.Sys().ListAuth()
	if err != nil {
		return err
	}
	accessor := auths[ciAuthMount+"/"].Accessor
	policy := fmt.Sprintf("path %q { capabilities = [\"read\"] }\n", e.mount+"/creds/"+ciRole)
	if err := client.Sys().PutPolicy(ciJWTRole, policy); err != nil {
		return err
	}
	writes := []struct {
		path string
		data map[string]any
	}{
		{"auth/" + ciAuthMount + "/config", map[string]any{"oidc_discovery_url": ci.URL(), "bound_issuer": ci.URL()}},
		{"auth/" + ciAuthMount + "/role/" + ciJWTRole, map[string]any{
			"role_type": "jwt", "user_claim": "project_id", "bound_audiences": ciAudience,
			"bound_claims": map[string]any{"project_path": []string{fakeProject, ciOtherProject}},
			"claim_mappings": map[string]any{
				"project_path": "project_path", "pipeline_id": "pipeline_id", "job_id": "job_id", "ref": "ref",
			},
			"token_policies": ciJWTRole, "token_ttl": "15m",
		}},
		{e.mount + "/roles/" + ciRole, map[string]any{
			"config": "gitlab", "token_type": "project", "scopes": "read_repository", "access_level": "developer",
			"scope_template": true,
			"path":           "{{identity.entity.aliases." + accessor + ".metadata.project_path}}",
		}},
	}
	for _, w := range writes {
		if _, err := client.Logical().Write(w.path, w.data); err != nil {
			return fmt.Errorf("write %s: %w", w.path, err)
		}
	}
	return nil
}

// ciTour is the part of the tour where CI jobs log in.
func ciTour(m string, ci *ciIssuer) string {
	var b strings.Builder
	login := func(project string) string {
		return fmt.Sprintf("vault write -field=token auth/%s/login role=%s jwt=\"$(curl -s '%s/ci/id-token?project=%s')\"",
			ciAuthMount, ciJWTRole, ci.URL(), project)
	}
	fmt.Fprintf(&b, "\nCI jobs (docs/ci.md): each logs in with its ID token and gets a token for its own project only:\n\n")
	for _, project := range []string{fakeProject, ciOtherProject} {
		fmt.Fprintf(&b, "  job=$(%s)\n", login(project))
		fmt.Fprintf(&b, "  VAULT_TOKEN=$job vault read %s/creds/%s    # path %s\n", m, ciRole, project)
	}
	fmt.Fprintf(&b, "  vault token revoke $job    # the job ends: its token is revoked at GitLab\n")
	fmt.Fprintf(&b, "  %s    # refused: %s is not in the role's bound_claims\n", login(ciOutsider), ciOutsider)
	return b.String()
}
