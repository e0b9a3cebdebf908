package gitlab

import (
	"strings"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// TestScopeWithAnotherKindsFieldsIsRefused: a scope document holding
// fields GitLab roles do not take (another provider's owner,
// installation_id, repositories, repository_ids, permissions) is refused
// by ValidateScope and by Narrow, in the ceiling and in the request,
// rather than read as if they were not there. The release before the
// provider seam refused them ("repositories apply to github only").
func TestScopeWithAnotherKindsFieldsIsRefused(t *testing.T) {
	t.Parallel()
	ok := provider.Encode(Scope{Path: "a/b", Scopes: []string{"read_api"}})
	for field, v := range map[string]any{
		"owner": "o", "installation_id": 3, "repositories": []string{"r"},
		"repository_ids": []string{"1"}, "permissions": map[string]string{"contents": "read"},
	} {
		foreign := provider.Encode(map[string]any{"path": "a/b", "scopes": []string{"read_api"}, field: v})
		doc := foreign
		if err := (Kind{}).ValidateScope("project", &doc); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("ValidateScope of a scope with %s: %v, want a refusal naming it", field, err)
		}
		if _, err := (Kind{}).Narrow("project", foreign, ok); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("Narrow of a ceiling with %s: %v, want a refusal naming it", field, err)
		}
		if _, err := (Kind{}).Narrow("project", ok, foreign); err == nil || !strings.Contains(err.Error(), field) {
			t.Errorf("Narrow of a request with %s: %v, want a refusal naming it", field, err)
		}
	}
}
