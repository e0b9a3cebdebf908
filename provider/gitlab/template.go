package gitlab

import "github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"

// TemplateFields implements provider.Templated: the path, so a GitLab CI
// job's project_path claim names the project its token reaches.
func (Kind) TemplateFields(s *provider.Scope) []provider.TemplateField {
	return []provider.TemplateField{{Field: "path", Value: &s.Path}}
}
