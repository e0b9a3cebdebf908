package gitlab

import "github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"

// TemplateFields implements provider.Templated: the path, so a GitLab CI
// job's project_path claim names the project its token reaches. GitLab
// reads an all-digit path as an id, and a group's path may be all digits,
// so a filled path of digits is refused rather than looked up as an id.
func (Kind) TemplateFields(doc *provider.Scope) ([]provider.TemplateField, func()) {
	s, err := scopeOf(*doc)
	if err != nil {
		return nil, func() {}
	}
	return []provider.TemplateField{{Field: "path", Value: &s.Path, DigitsAreAnID: true}}, func() { *doc = provider.Encode(s) }
}
