package reliability

import (
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/vaultserver"
)

// minParallel is how many parallel subtests run at once unless -parallel
// says otherwise. The fault matrix's cases spend their time waiting (on
// injected latency, client timeouts, lease expiry and Vault's one-minute
// rollback tick), not computing; the default, GOMAXPROCS, would run two at
// a time on a two-core machine and take many times as long.
const minParallel = 64

func TestMain(m *testing.M) {
	flag.Parse()
	if !parallelGiven() {
		if err := flag.Set("test.parallel", fmt.Sprint(minParallel)); err != nil {
			fmt.Fprintln(os.Stderr, "reliability:", err)
			os.Exit(1)
		}
	}
	os.Exit(vaultserver.Main(m))
}

// parallelGiven reports whether -parallel was on the command line.
func parallelGiven() bool {
	given := false
	flag.Visit(func(f *flag.Flag) { given = given || f.Name == "test.parallel" })
	return given
}
