package gitea

import (
	"context"
	"fmt"
	"strings"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// Verify implements provider.Client: it signs in as the bot account
// (GET /api/v1/user with basic auth) and reads the server's kind. The
// information never holds the password.
func (c *Client) Verify(ctx context.Context) (provider.CredentialInfo, error) {
	u, resp, err := c.api(ctx).GetMyUserInfo()
	if err != nil {
		return nil, c.fail("sign in as "+c.username, resp, err)
	}
	if !strings.EqualFold(u.UserName, c.username) {
		return nil, &provider.Error{Kind: provider.ErrUnauthorized, Message: fmt.Sprintf(
			"gitea: signing in as %s answered for user %s", c.username, u.UserName)}
	}
	srv, err := c.Server(ctx)
	if err != nil {
		return nil, err
	}
	flavour := "gitea"
	if srv.Forgejo {
		flavour = "forgejo"
	}
	// A site administrator is the owner of every repository to Gitea's
	// permission check, and scopes are categories: its tokens without a
	// Forgejo restriction reach every repository on the server.
	rotation := "changes the bot account's password (the account is a site administrator, so its tokens reach every repository on the server within their scopes, and may act as any user through the Sudo header, unless a Forgejo restriction limits them)"
	if !u.IsAdmin {
		rotation = "not available: only a site administrator may change a password through the API"
	}
	return provider.CredentialInfo{
		"username":               u.UserName,
		"user_id":                u.ID,
		"is_admin":               u.IsAdmin,
		"server":                 flavour,
		"server_version":         srv.Version,
		"repository_restriction": srv.Restricts,
		"rotation":               rotation,
	}, nil
}
