package gitlab

import (
	"context"
	"testing"
	"time"
)

func TestStatus(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	tests := []struct{ tokenType, path, scope string }{
		{"project", "acme/app", "read_api"},
		{"group", "acme/platform", "read_api"},
		{"deploy", "acme/app", "read_repository"},
		{"deploy", "acme/platform", "read_repository"},
		{"personal", "deployer", "read_api"},
	}
	for _, tc := range tests {
		t.Run(tc.tokenType+" "+tc.path, func(t *testing.T) {
			tok := e.issue(e.request(tc.tokenType, tc.path, time.Hour, tc.scope))
			st, err := e.client.Status(context.Background(), tok.Handle)
			if err != nil || !st.Active {
				t.Fatalf("Status of a live token: %+v, %v", st, err)
			}
			if tc.tokenType != "deploy" {
				// Using the token at GitLab shows up as last_used_at.
				e.clock.Set(e.clock.Now().Add(time.Minute))
				user := e.newClient(tok.Token)
				if _, _, err := user.api.Version.GetVersion(); err != nil {
					t.Fatalf("using the token: %v", err)
				}
				st, err = e.client.Status(context.Background(), tok.Handle)
				if err != nil || st.LastUsedAt == nil || !st.LastUsedAt.Equal(e.clock.Now()) {
					t.Errorf("last used: %+v, %v; want %v", st, err, e.clock.Now())
				}
			}
			e.revoke(tok.Handle)
			st, err = e.client.Status(context.Background(), tok.Handle)
			if err != nil || st.Active {
				t.Errorf("Status of a revoked token: %+v, %v", st, err)
			}
		})
	}
}
