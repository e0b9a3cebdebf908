package github

import (
	"context"
	"net/http"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegithub"
)

// BenchmarkIssueRevoke reports the GitHub calls one Issue plus one Revoke
// costs in the steady state (cached JWT and installation id): 2.
func BenchmarkIssueRevoke(b *testing.B) {
	f := newFixture(b, func(o *fakegithub.Options, _ *testConn) { o.RateLimit = -1 })
	c := f.client(b)
	req := issueReq(Scope{Owner: "acme", Repositories: []string{"api"}, Permissions: map[string]string{"contents": "read"}})
	// Warm the caches, as a running mount has.
	revoke(b, c, mustIssue(b, c, req))
	f.fake.ResetCalls()

	ops := 0
	for b.Loop() {
		revoke(b, c, mustIssue(b, c, req))
		ops++
	}
	b.ReportMetric(float64(f.fake.TotalCalls())/float64(ops), "calls/op")
}

func mustIssue(b *testing.B, c *client, req provider.IssueRequest) *provider.Token {
	b.Helper()
	tok, err := c.Issue(context.Background(), req)
	if err != nil {
		b.Fatal(err)
	}
	return tok
}

// BenchmarkIssuePatternRole reports the GitHub calls one Issue of a role
// whose repositories are patterns costs in the steady state (cached
// installation and repository list): 1.00 calls/issue.
func BenchmarkIssuePatternRole(b *testing.B) {
	f := patternFixture(b, "svc-billing", "svc-orders", "web")
	c := f.client(b)
	req := issueReq(Scope{Owner: "shop", Repositories: []string{"svc-*"}, Permissions: map[string]string{"contents": "read"}})
	revoke(b, c, mustIssue(b, c, req))
	f.fake.ResetCalls()

	ops := 0
	for b.Loop() {
		revoke(b, c, mustIssue(b, c, req))
		ops++
	}
	issueCalls := f.fake.TotalCalls() - f.fake.Calls(http.MethodDelete, fakegithub.RouteInstallationToken)
	b.ReportMetric(float64(issueCalls)/float64(ops), "calls/issue")
}
