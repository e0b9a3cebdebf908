package gitea

import (
	"strings"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// TestHolderRisksNameLastingGrants: besides deploy keys, a write:repository
// holder adds collaborators (any user, the holder's own account included)
// and webhooks to repositories the bot administers, and a
// write:organization holder adds members to the teams of organisations the
// bot owns: grants that outlive the token. The role write's warning must
// say so.
func TestHolderRisksNameLastingGrants(t *testing.T) {
	for scope, want := range map[string][]string{
		"write:repository":   {"deploy keys", "collaborators", "webhooks"},
		"write:organization": {"team", "members"},
	} {
		risks := (Kind{}).HolderRisks(TokenTypeAccess, provider.Encode(Scope{Scopes: []string{scope}}))
		text := strings.Join(risks, " ")
		for _, w := range want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: warnings %q do not mention %s", scope, risks, w)
			}
		}
	}
}
