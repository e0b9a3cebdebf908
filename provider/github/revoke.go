package github

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// Revoke implements provider.Client with DELETE /installation/token,
// authenticated with the token itself, so it needs neither the App key nor
// the connection's config. A 401 means GitHub already considers the token
// gone (expired or revoked), which is success.
func (c *client) Revoke(ctx context.Context, h provider.Handle) error {
	if h.TokenType != "" && h.TokenType != TokenTypeInstallation {
		return fmt.Errorf("cannot revoke a %q token on github", h.TokenType)
	}
	if h.Secret == "" {
		return errors.New("the lease holds no installation token to revoke")
	}
	return c.revoke(ctx, h.Secret)
}

func (c *client) revoke(ctx context.Context, token string) error {
	err := c.do(ctx, "revoke an installation token", http.MethodDelete, "installation/token", nil, token, nil)
	if statusOf(err) == http.StatusUnauthorized {
		return nil
	}
	return err
}
