package github

import (
	"strings"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// TestScopeWithAnotherKindsFieldsIsRefused: a scope document holding
// fields GitHub roles do not take (another provider's path, scopes,
// access_level) is refused by ValidateScope and by Narrow, in the ceiling
// and in the request, rather than read as if they were not there. The
// release before the provider seam refused them ("path applies to gitlab
// only"); reading them as absent would issue a token its writer did not
// describe.
func TestScopeWithAnotherKindsFieldsIsRefused(t *testing.T) {
	t.Parallel()
	ok := provider.Encode(Scope{Owner: "acme"})
	for _, field := range []string{"path", "scopes", "access_level"} {
		foreign := provider.Encode(map[string]any{"owner": "acme", field: "x"})
		doc := foreign
		if err := (Kind{}).ValidateScope(TokenTypeInstallation, &doc); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("ValidateScope of a scope with %s: %v, want a refusal naming it", field, err)
		}
		if _, err := (Kind{}).Narrow(TokenTypeInstallation, foreign, ok); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("Narrow of a ceiling with %s: %v, want a refusal naming it", field, err)
		}
		if _, err := (Kind{}).Narrow(TokenTypeInstallation, ok, foreign); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("Narrow of a request with %s: %v, want a refusal naming it", field, err)
		}
	}
}
