package gitsecrets

import (
	"strings"
	"testing"

	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	ghp "github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider/github"
	glp "github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider/gitlab"
)

// FuzzScopeTemplateFill fills templated roles with arbitrary claim values:
// nothing panics, and whatever is accepted names exactly one project or
// repository, within the role's literal parts.
func FuzzScopeTemplateFill(f *testing.F) {
	for _, s := range []string{"acme/app", "*", "acme/*", "a,b", "../x", "acme/../x", "x/y", "", " ", "app", "évil", "acme/app/", "ACME/App"} {
		f.Add(s)
	}
	e := newTestEnv(f)
	gitlab, _ := e.b.kind("gitlab")
	github, _ := e.b.kind("github")
	tpl := "{{identity.entity.aliases." + testJWTAccessor + ".metadata.v}}"
	whole := &role{Name: "whole", TokenType: "project", ScopeTemplate: true, Scope: provider.Encode(glp.Scope{Path: tpl, Scopes: []string{"read_api"}})}
	prefixed := &role{Name: "prefixed", TokenType: "project", ScopeTemplate: true, Scope: provider.Encode(glp.Scope{Path: "acme/" + tpl, Scopes: []string{"read_api"}})}
	repos := &role{Name: "repos", TokenType: "installation", ScopeTemplate: true, Scope: provider.Encode(ghp.Scope{Owner: "acme", Repositories: []string{tpl}})}
	f.Fuzz(func(t *testing.T, v string) {
		entity := &logical.Entity{ID: "e", Aliases: []*logical.Alias{{MountAccessor: testJWTAccessor, Metadata: map[string]string{"v": v}}}}
		oneName := func(s string) bool { return s != "" && !strings.ContainsAny(s, "*?, \t\n/") && s != "." && s != ".." }
		if d, err := e.b.fillScope(gitlab, whole, entity); err == nil {
			s := glScope(d)
			for _, seg := range strings.Split(s.Path, "/") {
				if !oneName(seg) {
					t.Fatalf("%q filled path %q", v, s.Path)
				}
			}
		}
		if d, err := e.b.fillScope(gitlab, prefixed, entity); err == nil {
			s := glScope(d)
			rest, ok := strings.CutPrefix(s.Path, "acme/")
			if !ok || !oneName(rest) {
				t.Fatalf("%q filled acme/<x> as %q", v, s.Path)
			}
		}
		if d, err := e.b.fillScope(github, repos, entity); err == nil {
			s := ghScope(d)
			if s.Owner != "acme" || len(s.Repositories) != 1 || !oneName(s.Repositories[0]) {
				t.Fatalf("%q filled repositories %q of %q", v, s.Repositories, s.Owner)
			}
		}
	})
}
