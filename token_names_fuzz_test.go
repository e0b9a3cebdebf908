package gitsecrets

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/hashicorp/vault/sdk/logical"
)

// FuzzProviderTokenName: whatever the role and requester names, a token's
// provider-side name is valid UTF-8, fits maxTokenName and ends with the
// token's whole ref, the part that makes it unique; its description is
// valid UTF-8 within GitLab's 255.
func FuzzProviderTokenName(f *testing.F) {
	f.Add("app", "token-alice")
	f.Add(strings.Repeat("r", maxNameLength), "kubernetes-"+strings.Repeat("sérvice-accöunt-", 12))
	f.Add("x", strings.Repeat("日本語", 80))
	f.Add("x", strings.Repeat("é", 150))
	f.Add(strings.Repeat("a", 300), "bad\xffutf8\xe6\x97")
	f.Fuzz(func(t *testing.T, role, requester string) {
		ref := uuid.NewString()
		for _, name := range []string{providerTokenName(role, requester, ref), staticTokenName(role, ref)} {
			if !utf8.ValidString(name) || len(name) > maxTokenName || !strings.HasSuffix(name, ref) {
				t.Fatalf("name %q (%d bytes): want valid UTF-8, at most %d bytes, ending with %s", name, len(name), maxTokenName, ref)
			}
		}
		req := &logical.Request{MountPoint: "git/", DisplayName: requester, EntityID: "entity-1"}
		if d := providerTokenDescription(req, role, time.Now(), nil); !utf8.ValidString(d) || len(d) > 255 {
			t.Fatalf("description %q (%d bytes): want valid UTF-8, at most 255 bytes", d, len(d))
		}
	})
}
