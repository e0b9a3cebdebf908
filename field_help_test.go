package gitsecrets

import (
	"strings"
	"testing"
)

// TestConfigBaseURLDescriptionNamesGHES: the base_url field's own
// description (what `vault path-help`, OpenAPI and UIs show for the field)
// still gives GitHub Enterprise Server's API root, as the release before
// the provider seam did and SPEC names it; the seam had moved it into the
// path's help paragraphs only.
func TestConfigBaseURLDescriptionNamesGHES(t *testing.T) {
	t.Parallel()
	desc := pathConfig(newTestEnv(t).b)[0].Fields["base_url"].Description
	if !strings.Contains(desc, "https://HOST/api/v3") {
		t.Fatalf("base_url's description does not give the GHES API root: %s", desc)
	}
}
