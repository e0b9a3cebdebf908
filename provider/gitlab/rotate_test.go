package gitlab

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitlab"
)

func TestRotateSelf(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.fake.ResetCalls()
	until := e.clock.Now().Add(90 * 24 * time.Hour)
	newToken, info, err := e.client.RotateSelf(context.Background(), until)
	if err != nil {
		t.Fatalf("RotateSelf: %v", err)
	}
	if n := e.fake.Calls("POST", "/personal_access_tokens/self/rotate"); n != 1 || e.fake.TotalCalls() != 1 {
		t.Errorf("%d rotate calls, %d in all; want 1 and 1", n, e.fake.TotalCalls())
	}
	if newToken == "" || newToken == e.token {
		t.Fatal("no new token")
	}
	if strings.Contains(fmt.Sprint(info), newToken) {
		t.Fatal("CredentialInfo contains the new token")
	}
	if exp, _ := info["expires_at"].(time.Time); !exp.Equal(utcDate(until).AddDate(0, 0, 1)) {
		t.Errorf("expires_at %v, want the midnight after %v", info["expires_at"], until)
	}
	if _, live := e.fake.Lookup(e.token); live {
		t.Error("the old token still works")
	}
	if _, err := e.client.Verify(context.Background()); !errors.Is(err, provider.ErrUnauthorized) {
		t.Errorf("old client after rotation: %v, want ErrUnauthorized", err)
	}
	fresh := e.newClient(newToken)
	if _, err := fresh.Verify(context.Background()); err != nil {
		t.Errorf("new token: %v", err)
	}
}

// TestRotateSelfNotRetried: a rotation whose answer was lost is not sent
// again (that would trip reuse detection and revoke the new token too).
func TestRotateSelfNotRetried(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.fake.InjectFault(fakegitlab.Fault{Method: "POST", Route: "/personal_access_tokens/self/rotate", DropAfterCommit: true, Times: 1})
	_, _, err := e.client.RotateSelf(context.Background(), e.clock.Now().Add(24*time.Hour))
	if err == nil {
		t.Fatal("RotateSelf succeeded through a dropped connection")
	}
	requireNoSecret(t, err, e.token)
	if n := e.fake.Calls("POST", "/personal_access_tokens/self/rotate"); n != 1 {
		t.Errorf("%d rotate calls, want 1", n)
	}
}

func TestRotateSelfRefusedLocally(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, _, err := e.client.RotateSelf(context.Background(), e.clock.Now().Add(400*24*time.Hour))
	if !errors.Is(err, provider.ErrInvalidRequest) || e.fake.TotalCalls() != 0 {
		t.Fatalf("RotateSelf past the cap: %v after %d calls", err, e.fake.TotalCalls())
	}
}
