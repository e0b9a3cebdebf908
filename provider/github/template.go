package github

import "github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"

// TemplateFields implements provider.Templated: the owner and each
// repository entry (an entry may be owner/name, so the GitHub Actions
// repository claim fits as it is), and each repository_ids entry (so does
// the repository_id claim).
func (Kind) TemplateFields(doc *provider.Scope) ([]provider.TemplateField, func()) {
	s, err := scopeOf(*doc)
	if err != nil {
		return nil, func() {}
	}
	out := []provider.TemplateField{{Field: "owner", Value: &s.Owner}}
	for i := range s.Repositories {
		out = append(out, provider.TemplateField{Field: "repositories", Value: &s.Repositories[i]})
	}
	for i := range s.RepositoryIDs {
		out = append(out, provider.TemplateField{Field: "repository_ids", Value: &s.RepositoryIDs[i], IsAnID: true})
	}
	return out, func() { *doc = provider.Encode(s) }
}
