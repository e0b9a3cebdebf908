package gitsecrets

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	ghp "github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider/github"
)

// BenchmarkListTokens10k lists an inventory of 10,000 live tokens, unfiltered
// and filtered by role, on in-memory storage.
func BenchmarkListTokens10k(b *testing.B) {
	e := newTestEnv(b)
	ctx := context.Background()
	now := time.Now().UTC()
	for i := 0; i < 10_000; i++ {
		err := putTokenEntry(ctx, e.storage, &tokenEntry{
			Ref:       fmt.Sprintf("%08d-0000-4000-8000-000000000000", i),
			Role:      fmt.Sprintf("role-%d", i%50),
			Config:    "gh",
			Provider:  "github",
			TokenType: "installation",
			Scope:     provider.Encode(ghp.Scope{Repositories: []string{"app"}, Permissions: map[string]string{"contents": "read"}}),
			Requester: requester{DisplayName: "token-ci", EntityID: "entity"},
			IssuedAt:  now,
			ExpiresAt: now.Add(time.Hour),
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	for _, c := range []struct {
		name   string
		filter map[string]any
		want   int
	}{
		{"all", nil, 10_000},
		{"by-role", map[string]any{"role": "role-7"}, 200},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				resp := e.ok(logical.ListOperation, "tokens/", c.filter)
				if got := len(resp.Data["keys"].([]string)); got != c.want {
					b.Fatalf("listed %d, want %d", got, c.want)
				}
			}
		})
	}
}
