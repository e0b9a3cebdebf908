package gitlab

import "github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"

// TemplateFields implements provider.Templated: the path, so a GitLab CI
// job's project_path claim names the project its token reaches. GitLab
// reads an all-digit path as an id, and a group's path may be all digits,
// so a filled path of digits is refused rather than looked up as an id.
func (Kind) TemplateFields(s *provider.Scope) []provider.TemplateField {
	return []provider.TemplateField{{Field: "path", Value: &s.Path, DigitsAreAnID: true}}
}
