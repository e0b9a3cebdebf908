package gitsecrets

import (
	"testing"

	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegithub"
)

// BenchmarkCredsGitHub measures one creds read plus its revocation through
// the backend against the in-process fake GitHub, and the provider calls each
// costs (steady state: one to issue, one to revoke).
func BenchmarkCredsGitHub(b *testing.B) {
	e := newGitHubEnvWith(b, fakegithub.Options{RateLimit: -1})
	e.ok(logical.CreateOperation, "roles/ci", map[string]any{"config": "gh", "owner": "acme", "permissions": "contents=read"})
	if err := e.revoke(e.ok(logical.ReadOperation, "creds/ci", nil)); err != nil {
		b.Fatal(err)
	}
	e.gh.ResetCalls()
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resp := e.ok(logical.ReadOperation, "creds/ci", nil)
		if err := e.revoke(resp); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(e.gh.Calls("POST", createTokenRoute))/float64(b.N), "issue-calls/op")
	b.ReportMetric(float64(e.gh.Calls("DELETE", "/installation/token"))/float64(b.N), "revoke-calls/op")
	b.ReportMetric(float64(e.gh.TotalCalls())/float64(b.N), "provider-calls/op")
}

// BenchmarkCredsGitHubPatternRole is BenchmarkCredsGitHub for a role whose
// repositories are patterns: the installation's repository list is kept a
// minute, so the steady state is still one call to issue.
func BenchmarkCredsGitHubPatternRole(b *testing.B) {
	e := newGitHubEnvWith(b, fakegithub.Options{RateLimit: -1})
	e.ok(logical.CreateOperation, "roles/ci", map[string]any{"config": "gh", "owner": "acme", "repositories": "in*,d?cs", "permissions": "contents=read"})
	if err := e.revoke(e.ok(logical.ReadOperation, "creds/ci", nil)); err != nil {
		b.Fatal(err)
	}
	e.gh.ResetCalls()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		resp := e.ok(logical.ReadOperation, "creds/ci", nil)
		if err := e.revoke(resp); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	revokes := e.gh.Calls("DELETE", "/installation/token")
	b.ReportMetric(float64(e.gh.TotalCalls()-revokes)/float64(b.N), "calls/issue")
	b.ReportMetric(float64(revokes)/float64(b.N), "revoke-calls/op")
}
