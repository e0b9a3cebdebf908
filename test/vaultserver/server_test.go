package vaultserver

import (
	"strings"
	"testing"
)

// TestRestartKeepsData writes through the kv engine, restarts the server and
// reads the value back, through both the API client and the CLI.
func TestRestartKeepsData(t *testing.T) {
	t.Parallel()
	vault := FindVault(t)
	for _, storage := range []Storage{StorageFile, StorageRaft} {
		t.Run(string(storage), func(t *testing.T) {
			t.Parallel()
			srv := Start(t, Options{VaultBin: vault, Storage: storage})
			if err := srv.Enable("kv", "kv", ""); err != nil {
				t.Fatal(err)
			}
			if _, err := srv.Client().Logical().Write("kv/greeting", map[string]any{"msg": "hello"}); err != nil {
				t.Fatal(err)
			}

			if err := srv.Restart(); err != nil {
				t.Fatal(err)
			}

			secret, err := srv.Client().Logical().Read("kv/greeting")
			if err != nil {
				t.Fatal(err)
			}
			if secret == nil || secret.Data["msg"] != "hello" {
				t.Fatalf("after restart kv/greeting = %#v, want msg=hello", secret)
			}
			out, _, err := srv.CLI("kv", "get", "-field=msg", "kv/greeting")
			if err != nil {
				t.Fatal(err)
			}
			if strings.TrimSpace(out) != "hello" {
				t.Fatalf("vault kv get printed %q, want hello", out)
			}
		})
	}
}

// TestDevModeServesAndRefusesRestart checks the in-memory server works and
// that Restart says why it cannot keep its data.
func TestDevModeServesAndRefusesRestart(t *testing.T) {
	t.Parallel()
	srv := Start(t, Options{VaultBin: FindVault(t)})

	// Dev mode mounts kv v2 at secret/.
	if _, _, err := srv.CLI("kv", "put", "secret/app", "colour=blue"); err != nil {
		t.Fatal(err)
	}
	out, _, err := srv.CLI("kv", "get", "-field=colour", "secret/app")
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(out) != "blue" {
		t.Fatalf("vault kv get printed %q, want blue", out)
	}
	if err := srv.Restart(); err == nil {
		t.Fatal("Restart of a dev-mode server succeeded; it must refuse")
	}
}

// TestCLIErrorQuotesNoArguments checks a failing CLI call names the command
// but not its arguments, which may carry secrets.
func TestCLIErrorQuotesNoArguments(t *testing.T) {
	t.Parallel()
	srv := Start(t, Options{VaultBin: FindVault(t)})

	_, _, err := srv.CLI("write", "nonexistent/path", "token=s3cr3t-value")
	if err == nil {
		t.Fatal("write to an unmounted path succeeded")
	}
	if strings.Contains(err.Error(), "s3cr3t-value") {
		t.Fatalf("error quotes an argument: %v", err)
	}
}
