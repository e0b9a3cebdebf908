package main

import (
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestTourEnd(t *testing.T) {
	t.Parallel()
	fakeGH := connection{name: "github", label: "fake GitHub",
		local: &backends{gitURL: "http://127.0.0.1:1001", registryHost: "127.0.0.1:1002"}}
	fakeGL := connection{name: "gitlab", label: "fake GitLab",
		local: &backends{gitURL: "http://127.0.0.1:2001", registryHost: "127.0.0.1:2002"}}
	fakeGT := connection{name: "gitea", label: "fake Forgejo",
		local: &backends{gitURL: "http://127.0.0.1:3001", registryHost: "127.0.0.1:3002"}}
	realGH := connection{name: "github", label: "GitHub", url: "https://api.github.com"}
	realGL := connection{name: "gitlab", label: "GitLab", url: "https://gitlab.example.com"}
	clone := "git clone http://x-access-token:$(vault read -field=token git/creds/gh-read)@127.0.0.1:1001/acme/app.git"
	pull := "http://127.0.0.1:2002/v2/acme/app/manifests/latest"
	giteaClone := "git clone http://vault-bot:$(vault read -field=token git/creds/gt-read)@127.0.0.1:3001/acme/app.git"

	tests := []struct {
		name    string
		conns   []connection
		want    []string
		notWant []string
	}{
		{"fakes", []connection{fakeGH, fakeGL, fakeGT}, []string{useHeading, clone, giteaClone, "git/creds/gl-deploy", pull}, []string{"real credentials"}},
		{"fake Forgejo alone", []connection{fakeGT}, []string{useHeading, giteaClone, "vault lease revoke"}, []string{"gl-deploy"}},
		{"real providers", []connection{realGH, realGL},
			[]string{"GitHub: real credentials", "GitLab: real credentials", "vault lease revoke -prefix git/creds"},
			[]string{useHeading, "127.0.0.1"}},
		{"real GitHub, fake GitLab", []connection{realGH, fakeGL}, []string{"GitHub: real credentials", pull}, []string{"git clone"}},
		{"fake GitHub without git", []connection{{name: "github", label: "fake GitHub", local: &backends{registryHost: "127.0.0.1:1002"}}},
			[]string{"vault lease revoke"}, []string{"git clone"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tourEnd("git", tt.conns)
			for _, s := range tt.want {
				if !strings.Contains(got, s) {
					t.Errorf("missing %q in:\n%s", s, got)
				}
			}
			for _, s := range tt.notWant {
				if strings.Contains(got, s) {
					t.Errorf("unexpected %q in:\n%s", s, got)
				}
			}
		})
	}
}

// vaultStub answers the vault commands of the tour's end without a Vault:
// tokens the test had the fakes issue, and a revoke that deletes the GitLab
// deploy token at the fake.
const vaultStub = `#!/bin/sh
case "$*" in
"read -field=token git/creds/gh-read") echo "$STUB_GITHUB_TOKEN" ;;
"read -field=docker_config_json git/creds/gl-deploy") echo "$STUB_DOCKER_CONFIG" ;;
"read -field=token git/creds/gt-read") echo "$STUB_GITEA_TOKEN" ;;
"lease revoke -prefix git/creds") curl -sf -o /dev/null -X DELETE -H "PRIVATE-TOKEN: $STUB_GITLAB_ADMIN" "$STUB_GITLAB_REVOKE" ;;
*) echo "vault stub: unexpected: vault $*" >&2; exit 1 ;;
esac
`

// TestTourCommandsRun runs the printed commands that use a token, as
// printed, in bash against the fakes' backends, with a stub in place of
// the vault command: the clone and the manifest read must work, and the
// read after the revoke must be refused.
func TestTourCommandsRun(t *testing.T) {
	t.Parallel()
	for _, tool := range []string{"bash", "curl", "grep", "cut", "git"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	github := startFake(t, fakeGitHub)
	gitlab := startFake(t, fakeGitLab)
	gitea := startFake(t, fakeGitea)
	deploy := newGitLabDeployToken(t, gitlab, "read_registry", "read_repository")

	stubDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(stubDir, "vault"), []byte(vaultStub), 0o755); err != nil {
		t.Fatal(err)
	}
	script := strings.SplitN(tourEnd("git", []connection{github, gitlab, gitea}), useHeading, 2)[1]
	cmd := exec.Command("bash", "-e", "-c", script)
	cmd.Env = append(os.Environ(),
		"PATH="+stubDir+string(os.PathListSeparator)+os.Getenv("PATH"),
		"TMPDIR="+t.TempDir(), // for the clone's mktemp -d
		"GIT_CONFIG_NOSYSTEM=1", "GIT_CONFIG_GLOBAL="+os.DevNull, "GIT_TERMINAL_PROMPT=0",
		"STUB_GITHUB_TOKEN="+githubToken(t, github, `{"repositories":["app"],"permissions":{"contents":"read"}}`),
		"STUB_GITEA_TOKEN="+giteaToken(t, gitea, `{"name":"tour","scopes":["read:repository"]}`),
		"STUB_DOCKER_CONFIG="+dockerConfig(t, gitlab.local.registryHost, deploy.Username, deploy.Token),
		"STUB_GITLAB_ADMIN="+gitlabAdmin(gitlab)["PRIVATE-TOKEN"],
		"STUB_GITLAB_REVOKE="+gitlabDeployTokensURL(gitlab)+"/"+strconv.FormatInt(deploy.ID, 10),
	)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v:\n%s", err, out)
	}
	got := string(out)
	manifest := strings.Index(got, `"schemaVersion":2`)
	refused := strings.Index(got, `"UNAUTHORIZED"`)
	if strings.Count(got, "Cloning into") != 2 || manifest < 0 || refused < manifest {
		t.Fatalf("want two clones, a manifest, then a refusal; got:\n%s", got)
	}
}

// dockerConfig is a .dockerconfigjson for one registry, as the engine
// returns it in docker_config_json.
func dockerConfig(t *testing.T, host, username, password string) string {
	t.Helper()
	auth := base64.StdEncoding.EncodeToString([]byte(username + ":" + password))
	doc, err := json.Marshal(map[string]any{"auths": map[string]any{
		host: map[string]string{"username": username, "password": password, "auth": auth},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return string(doc)
}
