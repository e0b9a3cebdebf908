package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// What the Terraform test runs: the terraform CLI and the vault provider,
// each from $ENV, else from its script's cache, else (under E2E_REQUIRED=1,
// as in `make test`) built by that script, else the test skips.
const (
	terraformEnv        = "TERRAFORM_BINARY"
	terraformScript     = "scripts/build-terraform.sh"
	providerMirrorEnv   = "TERRAFORM_PROVIDER_MIRROR"
	providerMirrorBuild = "scripts/build-terraform-provider.sh"

	// terraformTimeout bounds one terraform command.
	terraformTimeout = 5 * time.Minute
)

// findTool returns $env, else what `script --cached` prints, else what
// script prints once it has built the tool.
func findTool(t *testing.T, env, script string) string {
	t.Helper()
	if p := os.Getenv(env); p != "" {
		abs, err := filepath.Abs(p)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(abs); err != nil {
			t.Fatalf("%s: %v", env, err)
		}
		return abs
	}
	// Tests run in their package directory, test/e2e.
	path, err := filepath.Abs(filepath.Join("..", "..", script))
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(path, "--cached").Output(); err == nil {
		return strings.TrimSpace(string(out))
	}
	if os.Getenv("E2E_REQUIRED") != "1" {
		t.Skipf("%s is not built: run %s or set %s", filepath.Base(script), script, env)
	}
	cmd := exec.Command(path)
	cmd.Stderr = os.Stderr // the build takes minutes; show its progress
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", script, err)
	}
	return strings.TrimSpace(string(out))
}

// terraform runs Terraform configurations against one Vault server, with
// the vault provider installed from a local filesystem mirror only.
type terraform struct {
	v   *vaultEnv
	bin string
	env []string
}

// newTerraform finds Terraform and the provider and writes the CLI
// configuration that makes `terraform init` take the provider from the
// mirror and never reach a registry. vars become TF_VAR_ variables.
func newTerraform(t *testing.T, v *vaultEnv, vars map[string]string) *terraform {
	t.Helper()
	bin := findTool(t, terraformEnv, terraformScript)
	mirror := findTool(t, providerMirrorEnv, providerMirrorBuild)
	cliConfig := filepath.Join(t.TempDir(), "terraform.tfrc")
	config := fmt.Sprintf(`provider_installation {
  filesystem_mirror {
    path    = %q
    include = ["registry.terraform.io/hashicorp/vault"]
  }
  direct {
    exclude = ["registry.terraform.io/hashicorp/vault"]
  }
}
`, mirror)
	if err := os.WriteFile(cliConfig, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	// A developer's own VAULT_* and TF_* settings must not reach the runs
	// under test.
	var env []string
	for _, kv := range withoutVaultVars() {
		if !strings.HasPrefix(kv, "TF_") {
			env = append(env, kv)
		}
	}
	env = append(env,
		"VAULT_ADDR="+v.srv.Addr,
		"VAULT_TOKEN="+v.srv.RootToken,
		"TF_CLI_CONFIG_FILE="+cliConfig,
		"TF_IN_AUTOMATION=1",
		"TF_INPUT=0",
		"CHECKPOINT_DISABLE=1",
	)
	for k, val := range vars {
		env = append(env, "TF_VAR_"+k+"="+val)
	}
	return &terraform{v: v, bin: bin, env: env}
}

// workspace copies the *.tf files of src (relative to the module root) into
// a new directory and runs `terraform init` there.
func (tf *terraform) workspace(t *testing.T, src string) string {
	t.Helper()
	dir := t.TempDir()
	files, err := filepath.Glob(filepath.Join("..", "..", src, "*.tf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no *.tf files in %s (%v)", src, err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tf.must(t, dir, nil, "init")
	return dir
}

// run runs `terraform args...` in dir with extra environment variables and
// returns its stdout and exit code. Terraform masks sensitive values in
// what it prints, so the output may be logged.
func (tf *terraform) run(t *testing.T, dir string, extraEnv []string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), terraformTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, tf.bin, append(args[:1:1], append([]string{"-no-color"}, args[1:]...)...)...)
	cmd.Dir = dir
	cmd.Env = append(append([]string{}, tf.env...), extraEnv...)
	var out, errOut bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return out.String(), 0
	case errors.As(err, &exit) && ctx.Err() == nil:
		if errOut.Len() > 0 {
			t.Logf("terraform %s (exit %d) stderr:\n%s", args[0], exit.ExitCode(), errOut.String())
		}
		return out.String(), exit.ExitCode()
	default:
		t.Fatalf("terraform %s: %v\n%s", args[0], err, errOut.String())
		return "", -1
	}
}

// must is run that fails the test unless Terraform exits 0.
func (tf *terraform) must(t *testing.T, dir string, extraEnv []string, args ...string) string {
	t.Helper()
	out, code := tf.run(t, dir, extraEnv, args...)
	if code != 0 {
		t.Fatalf("terraform %s exited %d:\n%s\n--- end of the Vault log ---\n%s", args[0], code, out, tf.v.logTail())
	}
	return out
}

// tfState is what `terraform show -json` says about a state or a plan.
type tfState struct {
	Values struct {
		RootModule struct {
			Resources []struct {
				Address string         `json:"address"`
				Values  map[string]any `json:"values"`
			} `json:"resources"`
		} `json:"root_module"`
	} `json:"values"`
	ResourceChanges []struct {
		Address string `json:"address"`
		Change  struct {
			Actions []string `json:"actions"`
		} `json:"change"`
	} `json:"resource_changes"`
}

// show runs `terraform show -json [planFile]` in dir.
func (tf *terraform) show(t *testing.T, dir string, planFile ...string) tfState {
	t.Helper()
	var st tfState
	out := tf.must(t, dir, nil, append([]string{"show", "-json"}, planFile...)...)
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatalf("terraform show -json: %v", err)
	}
	return st
}

// resource returns the values of the resource or data source at address in
// the state, failing the test when there is none.
func (st tfState) resource(t *testing.T, address string) map[string]any {
	t.Helper()
	for _, r := range st.Values.RootModule.Resources {
		if r.Address == address {
			return r.Values
		}
	}
	t.Fatalf("the state has no %s", address)
	return nil
}

// changed lists the addresses the plan would change, with their actions.
func (st tfState) changed() map[string]string {
	out := map[string]string{}
	for _, rc := range st.ResourceChanges {
		if a := strings.Join(rc.Change.Actions, ","); a != "no-op" && a != "read" {
			out[rc.Address] = a
		}
	}
	return out
}
