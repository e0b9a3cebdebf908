package gitsecrets

import (
	"fmt"
	"sort"
	"strings"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider/github"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider/gitlab"
)

// registeredKinds is the one line to touch when adding a provider.
func registeredKinds() []provider.Kind {
	return []provider.Kind{github.Kind{}, gitlab.Kind{}}
}

func (b *backend) providerNames() []string {
	names := make([]string, 0, len(b.kinds))
	for n := range b.kinds {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func errUnknownProvider(name string, known []string) error {
	return fmt.Errorf("unknown provider %q: use one of %s", name, strings.Join(known, ", "))
}
