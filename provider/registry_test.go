package provider_test

import (
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider/github"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider/gitlab"
)

// TestPublicRegistryHost: the public registries pair only with the public
// API roots; GitHub Enterprise Server and self-managed GitLab get none.
func TestPublicRegistryHost(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		kind provider.Kind
		base string
		want string
	}{
		{github.Kind{}, "", "ghcr.io"},
		{github.Kind{}, "https://api.github.com", "ghcr.io"},
		{github.Kind{}, "https://API.GitHub.com/", "ghcr.io"},
		{github.Kind{}, "http://api.github.com", ""},
		{github.Kind{}, "https://ghe.example.com/api/v3", ""},
		{github.Kind{}, "https://api.github.com.evil.example", ""},
		{gitlab.Kind{}, "https://gitlab.com", "registry.gitlab.com"},
		{gitlab.Kind{}, "https://gitlab.example.com", ""},
		{gitlab.Kind{}, "http://127.0.0.1:8080", ""},
		{gitlab.Kind{}, "https://user@gitlab.com", ""},
	} {
		if got := provider.PublicRegistryHost(tc.kind, tc.base); got != tc.want {
			t.Errorf("PublicRegistryHost(%s, %q) = %q, want %q", tc.kind.Name(), tc.base, got, tc.want)
		}
	}
}
