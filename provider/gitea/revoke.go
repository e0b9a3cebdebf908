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
	if err := c.checkHandle(ctx, h); err != nil {
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
// for "gone". A handle naming another user is accepted only when the
// token is among the bot's own: the bot renamed at the server (the same
// account, whose tokens would otherwise never be revoked, as Gitea tokens
// do not expire).
func (c *Client) checkHandle(ctx context.Context, h provider.Handle) error {
	if h.TokenType != TokenTypeAccess || h.ID <= 0 {
		return fmt.Errorf("gitea: token handle (%q, id %d) is not a Gitea access token", h.TokenType, h.ID)
	}
	owner, ok := strings.CutPrefix(h.Parent, "users/")
	if ok && strings.EqualFold(owner, c.username) {
		return nil
	}
	refused := fmt.Errorf("gitea: token %d belongs to %q, but this connection signs in as %s, which has no such token", h.ID, h.Parent, c.username)
	if !ok {
		return refused
	}
	tokens, err := c.listTokens(ctx)
	if err != nil {
		return err
	}
	for _, t := range tokens {
		if t.ID == h.ID {
			c.log.Info("token of a renamed bot account found among the account's own", "token_id", h.ID, "was", owner, "now", c.username)
			return nil
		}
	}
	return refused
}
