package gitea

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// Revoke implements provider.Client: DELETE /users/{username}/tokens/{id}
// as the bot account. A 404 means the server no longer has the token
// (Gitea's DeleteAccessToken answers 404 for an id it does not find among
// the caller's tokens): that is success. Anything else that fails, 401 and
// 403 included, is an error, so Vault tries again.
func (c *Client) Revoke(ctx context.Context, h provider.Handle) error {
	if err := c.checkHandle(h); err != nil {
		return err
	}
	resp, err := c.api(ctx).DeleteAccessToken(h.ID)
	if err == nil || isStatus(resp, http.StatusNotFound) {
		return nil
	}
	return c.fail(fmt.Sprintf("delete access token %d of %s", h.ID, c.username), resp, err)
}

// checkHandle accepts a handle of one of the bot account's access tokens.
// Gitea deletes and lists only the caller's own tokens, so another user's
// token cannot be reached from here; that is said, rather than a 404 taken
// for "gone".
func (c *Client) checkHandle(h provider.Handle) error {
	if h.TokenType != TokenTypeAccess || h.ID <= 0 {
		return fmt.Errorf("gitea: token handle (%q, id %d) is not a Gitea access token", h.TokenType, h.ID)
	}
	owner, ok := strings.CutPrefix(h.Parent, "users/")
	if !ok || !strings.EqualFold(owner, c.username) {
		return fmt.Errorf("gitea: token %d belongs to %q, but this connection signs in as %s", h.ID, h.Parent, c.username)
	}
	return nil
}
