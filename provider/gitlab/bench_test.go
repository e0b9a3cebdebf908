package gitlab

import (
	"context"
	"testing"
	"time"
)

// BenchmarkIssueRevoke issues and revokes one token per iteration, for
// several token types, against the in-process fake, and reports the HTTP
// calls each pair costs ("calls/op"). The steady state is 2: one POST, one
// DELETE.
func BenchmarkIssueRevoke(b *testing.B) {
	for _, tc := range []struct{ tokenType, path, scope string }{
		{"project", "acme/app", "read_repository"},
		{"deploy", "acme/platform", "read_registry"},
		{"personal", "deployer", "read_api"},
	} {
		b.Run(tc.tokenType, func(b *testing.B) {
			e := newEnv(b)
			ctx := context.Background()
			// Resolve the path once, as a running engine already has.
			e.revoke(e.issue(e.request(tc.tokenType, tc.path, time.Hour, tc.scope)).Handle)
			e.fake.ResetCalls()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				tok, err := e.client.Issue(ctx, e.request(tc.tokenType, tc.path, time.Hour, tc.scope))
				if err != nil {
					b.Fatal(err)
				}
				if err := e.client.Revoke(ctx, tok.Handle); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(e.fake.TotalCalls())/float64(b.N), "calls/op")
		})
	}
}
