package gitlab

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// The connection's token replaces itself through GitLab's self-rotate API
// (RotateSelf). GitLab revokes the old token the moment it answers, and
// rotating a token that is already revoked makes GitLab revoke the whole
// family, the replacement included. Two rules follow:
//
//   - before each attempt the token is checked to still work; if it does
//     not, an earlier rotation's answer was lost, and the rotation stops and
//     says so rather than rotate again (a retry is thus never sent with a
//     token that was already rotated);
//   - the new token is Final: the backend stores it before anything else.

// selfRotator is a client that can replace its own credential.
type selfRotator interface {
	RotateSelf(ctx context.Context, expiresAt time.Time) (newToken string, info provider.CredentialInfo, err error)
}

// CredentialLifetime implements provider.Kind: token_lifetime, or GitLab's
// longest, within GitLab's cap.
func (k Kind) CredentialLifetime(c *provider.Connection) (lifetime, limit time.Duration) {
	limit = k.MaxTTL(TokenTypePersonal)
	if s, _ := settingsOf(c); s.TokenLifetime > 0 {
		return s.TokenLifetime, limit
	}
	return limit, limit
}

// RotateCredential implements provider.Kind.
func (Kind) RotateCredential(ctx context.Context, c *provider.Connection, prev provider.CredentialInfo, notAfter time.Time, newClient provider.NewClientFunc) (*provider.Rotation, error) {
	client, err := newClient(c)
	if err != nil {
		return nil, fmt.Errorf("build gitlab client: %w", err)
	}
	rotator, ok := client.(selfRotator)
	if !ok {
		return nil, errors.New("the gitlab provider cannot rotate its token")
	}
	if _, err := client.Verify(ctx); err != nil {
		if errors.Is(err, provider.ErrUnauthorized) {
			return nil, fmt.Errorf("the connection's token no longer works, so it cannot rotate; "+
				"if an earlier rotation's answer was lost, GitLab has already replaced it, and rotating again would make GitLab revoke the replacement too; "+
				"write a new token to config/%s: %w", c.Name, err)
		}
		return nil, fmt.Errorf("check the connection's token before rotating: %w", err)
	}
	newToken, info, err := rotator.RotateSelf(ctx, notAfter)
	if err != nil {
		return nil, err
	}
	next := *c
	if err := (Kind{}).SetCredential(&next, newToken); err != nil {
		return nil, err
	}
	info = maps.Clone(info)
	if v, ok := prev["gitlab_version"]; ok {
		info["gitlab_version"] = v
	}
	return &provider.Rotation{Connection: &next, Info: info, Final: true}, nil
}

// RotationWarnings implements provider.Kind: a token can always rotate
// itself.
func (Kind) RotationWarnings(*provider.Connection, provider.CredentialInfo) []string { return nil }

// Credential implements provider.Kind: the token, which a rotation
// replaces (Final).
func (Kind) Credential(c *provider.Connection) string {
	s, _ := settingsOf(c)
	return s.Token
}

// SetCredential implements provider.Kind.
func (Kind) SetCredential(c *provider.Connection, token string) error {
	s, err := settingsOf(c)
	if err != nil {
		return err
	}
	s.Token = token
	c.Settings = provider.Encode(s)
	return nil
}
