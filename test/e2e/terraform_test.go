package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/vaultserver"
)

// providerTokenTTL is the lifetime of the child token the vault provider
// makes for each run (max_lease_ttl_seconds, here through
// TERRAFORM_VAULT_MAX_TTL): short, so the test sees it end, and well below
// the roles' ttl, so only its end can revoke the leases read under it.
const providerTokenTTL = 60 * time.Second

// TestTerraform applies examples/terraform with the Terraform vault provider
// against a real Vault: the module of connections and roles, then the
// consumer module that reads creds/ with data sources. The GitHub token works
// at the fake; the leases end when the provider's child token does; a second
// plan of the connections and roles shows no change (write-only and
// normalised values cause no drift); values written the way users write
// them drift exactly where the README says; the CI identity module lets CI
// jobs of its allowlist, and only those, log in and read a token for their
// own project; destroy removes the roles and connections once the
// consumer's tokens are gone.
func TestTerraform(t *testing.T) {
	t.Parallel()
	v := startVault(t, vaultserver.StorageInmem)
	e := v.mountUnconfigured(t, "git")
	tf := newTerraform(t, v, map[string]string{
		"mount":                  e.path,
		"github_app_id":          strconv.Itoa(githubAppID),
		"github_client_id":       "Iv1.e2etestclient",
		"github_app_private_key": e.githubKey,
		// With the trailing slash users copy; the example trims it.
		"github_base_url": e.gh.URL() + "/",
		"gitlab_token":    e.gitlabToken,
		"gitlab_base_url": e.gl.URL() + "/",
	})

	// The connections and roles.
	engineDir := tf.workspace(t, "examples/terraform")
	out := tf.must(t, engineDir, nil, "apply", "-auto-approve")
	t.Logf("terraform apply (examples/terraform):\n%s", out)
	requireNoSecret(t, "terraform apply", out, e.githubKey, e.gitlabToken)
	for _, path := range []string{"config/github", "config/gitlab", "roles/ci", "roles/registry-pull"} {
		if s, err := v.api().Logical().Read(e.path + "/" + path); err != nil || s == nil {
			t.Fatalf("after apply, %s/%s: %v (nil: %t)", e.path, path, err, s == nil)
		}
	}
	if out, code := tf.run(t, engineDir, nil, "plan", "-detailed-exitcode"); code != 0 {
		t.Fatalf("a second plan of examples/terraform exited %d, want 0 (no changes):\n%s", code, out)
	}

	// The consumer reads tokens under a provider child token that lives
	// providerTokenTTL.
	consumerDir := tf.workspace(t, "examples/terraform/consumer")
	shortChild := []string{fmt.Sprintf("TERRAFORM_VAULT_MAX_TTL=%d", int(providerTokenTTL.Seconds()))}
	out = tf.must(t, consumerDir, shortChild, "apply", "-auto-approve")
	t.Logf("terraform apply (examples/terraform/consumer):\n%s", out)
	state := tf.show(t, consumerDir)
	ci := credsFromState(t, state, "data.vault_generic_secret.ci")
	pull := credsFromState(t, state, "data.vault_generic_secret.registry_pull")
	requireNoToken(t, "terraform apply", out, ci, pull)
	e.requireLive(t, ci, pull)
	// The token the output hands on works at the GitHub API.
	if token := tf.must(t, consumerDir, nil, "output", "-raw", "ci_token"); token != ci.token() {
		t.Fatalf("output ci_token is not the token of %v", ci)
	}
	requireGitHubAPI(t, e.gh.URL(), ci.token(), []string{"app", "infra"})
	// The provider read creds/ with its child token ("terraform"), so the
	// leases are that token's children.
	inv := e.inventory(t)
	for _, c := range []*creds{ci, pull} {
		if got := inv[c.ref()].Requester; got != "token-terraform" {
			t.Errorf("tokens/ gives %v requester %q, want the provider's child token, token-terraform", c, got)
		}
	}
	if ttl := time.Duration(ci.LeaseDuration) * time.Second; ttl <= 2*providerTokenTTL {
		t.Fatalf("creds/ci lease is %s, want the role's 30m: the test needs it well above the child token's %s", ttl, providerTokenTTL)
	}

	// Values written the way users write them, and the CI identity example,
	// while the child token runs out.
	t.Run("values as users write them", func(t *testing.T) { testTerraformDrift(t, tf) })
	t.Run("CI identity", func(t *testing.T) { testTerraformCIIdentity(t, tf, e) })

	// The leases outlive nothing but the provider's child token.
	e.waitDead(t, providerTokenTTL+5*time.Minute, "after the provider's child token ended", ci, pull)
	e.waitRevoked(t, "after the provider's child token ended", ci, pull)

	// Destroying the consumer removes only its state; -refresh=false keeps
	// it from reading creds/ on the way out (without it, the refresh issues
	// a new token per data source, which this wait would find).
	tf.must(t, consumerDir, nil, "destroy", "-auto-approve", "-refresh=false")
	e.waitInventory(t, "after destroying the consumer")

	out = tf.must(t, engineDir, nil, "destroy", "-auto-approve")
	t.Logf("terraform destroy (examples/terraform):\n%s", out)
	for _, path := range []string{"config/github", "config/gitlab", "roles/ci", "roles/registry-pull"} {
		if s, err := v.api().Logical().Read(e.path + "/" + path); err != nil || s != nil {
			t.Errorf("after destroy, %s/%s: %v (still there: %t)", e.path, path, err, s != nil)
		}
	}
}

// testTerraformDrift applies testdata/terraform-drift and checks that the
// next plan changes exactly the resources written in a form the engine
// reads back differently (a "10m" ttl, an unsorted, mixed-case repository
// list, a base_url with a trailing slash) and none written in the stable
// form the README shows.
func testTerraformDrift(t *testing.T, tf *terraform) {
	dir := tf.workspace(t, "test/e2e/testdata/terraform-drift")
	tf.must(t, dir, nil, "apply", "-auto-approve")
	tf.must(t, dir, nil, "plan", "-out=drift.plan")
	got := tf.show(t, dir, "drift.plan").changed()
	want := map[string]string{
		"vault_generic_endpoint.config_base_url_as_written":   "update",
		"vault_generic_endpoint.role_ttl_as_written":          "update",
		"vault_generic_endpoint.role_repositories_as_written": "update",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("the plan after apply changes %v, want %v", got, want)
	}
	tf.must(t, dir, nil, "destroy", "-auto-approve")
}

// credsFromState is the creds/ read of the data source at address, from a
// `terraform show -json` state.
func credsFromState(t *testing.T, st tfState, address string) *creds {
	t.Helper()
	vals := st.resource(t, address)
	c := &creds{Data: map[string]any{}}
	c.LeaseID, _ = vals["lease_id"].(string)
	if d, ok := vals["lease_duration"].(float64); ok {
		c.LeaseDuration = int(d)
	}
	// data_json keeps the response's types; data holds strings only.
	raw, _ := vals["data_json"].(string)
	if err := json.Unmarshal([]byte(raw), &c.Data); err != nil {
		t.Fatalf("%s data_json: %v", address, err)
	}
	if c.LeaseID == "" || c.token() == "" || c.ref() == "" {
		t.Fatalf("%s has no lease, token or token_ref", address)
	}
	return c
}

// requireGitHubAPI calls the fake GitHub's GET /installation/repositories
// with token, as a user of the token would, and checks it sees repos.
func requireGitHubAPI(t *testing.T, baseURL, token string, repos []string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, baseURL+"/installation/repositories", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "token "+token)
	req.Header.Set("Accept", "application/vnd.github+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET /installation/repositories: %v", err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /installation/repositories with the token from Terraform: %s", resp.Status)
	}
	var list struct {
		Repositories []struct {
			Name string `json:"name"`
		} `json:"repositories"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatalf("GET /installation/repositories: %v", err)
	}
	var got []string
	for _, r := range list.Repositories {
		got = append(got, r.Name)
	}
	slices.Sort(got)
	if !slices.Equal(got, repos) {
		t.Fatalf("the token from Terraform sees repositories %v, want %v", got, repos)
	}
}

// requireNoSecret fails the test when text contains any of secrets.
func requireNoSecret(t *testing.T, where, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Fatalf("%s shows a secret it was given", where)
		}
	}
}
