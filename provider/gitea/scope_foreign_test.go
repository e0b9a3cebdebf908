package gitea

import (
	"strings"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// TestScopeWithAnotherKindsFieldsIsRefused: a scope document holding fields
// Gitea roles do not take (GitHub's owner or permissions, GitLab's path or
// access_level) is refused by ValidateScope and by Narrow, in the ceiling
// and in the request, rather than read as if they were not there.
func TestScopeWithAnotherKindsFieldsIsRefused(t *testing.T) {
	t.Parallel()
	ok := provider.Encode(Scope{Scopes: []string{"read:repository"}})
	for _, field := range []string{"owner", "permissions", "path", "access_level"} {
		foreign := provider.Encode(map[string]any{"scopes": []string{"read:repository"}, field: "x"})
		doc := foreign
		if err := (Kind{}).ValidateScope(TokenTypeAccess, &doc); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("ValidateScope of a scope with %s: %v, want a refusal naming it", field, err)
		}
		if _, err := (Kind{}).Narrow(TokenTypeAccess, foreign, ok); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("Narrow of a ceiling with %s: %v, want a refusal naming it", field, err)
		}
		if _, err := (Kind{}).Narrow(TokenTypeAccess, ok, foreign); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("Narrow of a request with %s: %v, want a refusal naming it", field, err)
		}
	}
}
