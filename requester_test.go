package gitsecrets

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/hashicorp/vault/sdk/logical"
)

// A job's claims in the provider-side description stay within the
// provider's limit and never split a character.
func TestProviderTokenDescriptionNamesTheJobWithinLimit(t *testing.T) {
	t.Parallel()
	req := &logical.Request{MountPoint: "git/", DisplayName: "jwt-acme-app", EntityID: "e-1"}
	aliases := []requesterAlias{{MountType: "jwt", Name: "acme/app", Metadata: map[string]string{
		"project_path": "acme/app", "job_id": "7001", "ref": strings.Repeat("é", 200),
	}}}
	d := providerTokenDescription(req, "ci", time.Now(), aliases)
	if len(d) > 255 || !utf8.ValidString(d) {
		t.Fatalf("description of %d bytes, valid UTF-8 %v", len(d), utf8.ValidString(d))
	}
	if !strings.Contains(d, "jwt acme/app: job_id=7001 project_path=acme/app ref=é") {
		t.Fatalf("description %q does not name the job", d)
	}
}
