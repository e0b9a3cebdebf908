package e2e

import (
	"os"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/vaultserver"
)

// TestMain lets vaultserver build the plugin once for the whole package and
// remove it afterwards. It is the package's only TestMain.
func TestMain(m *testing.M) { os.Exit(vaultserver.Main(m)) }
