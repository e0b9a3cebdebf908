package gitlab

import (
	"context"
	"errors"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// RotateSelf replaces the connection's own token through
// POST /personal_access_tokens/self/rotate (the token needs the api or
// self_rotate scope). GitLab revokes the old token at once, so this client,
// which still holds it, stops working: the caller must store newToken and
// build a new client from it.
//
// The call is never retried after GitLab may have acted on it: rotating an
// already-rotated token trips GitLab's reuse detection, which revokes the
// whole token family, the new token included. (httpretry only repeats it
// after a 429 or a connection that never opened, when GitLab did nothing.)
//
// expiresAt is the latest moment the new token is needed; it gets the same
// date rounding and 365-day cap as an issued access token.
func (c *client) RotateSelf(ctx context.Context, expiresAt time.Time) (newToken string, info provider.CredentialInfo, err error) {
	expiry, err := accessTokenExpiry(c.now(), expiresAt)
	if err != nil {
		return "", nil, invalid(err)
	}
	date := gitlab.ISOTime(expiry)
	t, resp, err := c.rotateAPI.PersonalAccessTokens.RotatePersonalAccessTokenSelf(
		&gitlab.RotatePersonalAccessTokenOptions{ExpiresAt: &date}, gitlab.WithContext(ctx))
	if err != nil {
		return "", nil, c.fail("rotate the connection's token", resp, err)
	}
	if t.Token == "" {
		return "", nil, errors.New("gitlab: rotate the connection's token: GitLab's answer has no new token, and the old one is already revoked")
	}
	return t.Token, credentialInfo(t), nil
}
