package gitlab

import (
	"context"
	"fmt"
	"slices"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// A token with the api scope may rotate itself (POST
// /personal_access_tokens/self/rotate, /projects|groups/:id/access_tokens/
// self/rotate): GitLab revokes it and hands its holder a successor with the
// same name and owner that lives up to a year. Deleting the original id then
// leaves the successor alive, and GitLab does not say so: a revoked personal
// token may answer 404, and since 17.9 a revoked project or group token
// answers 204 again, its bot user kept. So for such a token (the Handle
// carries its name) revocation always looks for live tokens of that name
// under the same parent and revokes them. The engine's token names are
// unique, so those are the token's successors. A token without the scope
// keeps the single DELETE.

// successorRounds bounds how often revocation lists again after revoking
// what it found: a holder rotating while it runs makes a new successor,
// which the next round finds.
const successorRounds = 3

// canRotateItself reports whether GitLab lets a token with these scopes
// rotate itself (the api or self_rotate scope).
func canRotateItself(scopes []string) bool {
	return slices.Contains(scopes, "api") || slices.Contains(scopes, "self_rotate")
}

// revokeSuccessors revokes the live tokens named name under p. It is an
// error (Vault tries again) when they keep appearing.
func (c *client) revokeSuccessors(ctx context.Context, tokenType string, p parent, name string) error {
	return c.revokeNamedRounds(tokenType, p.String(), name,
		func() ([]int64, error) { return c.tokensNamed(ctx, tokenType, p, name) },
		func(id int64) error { return c.revokeByID(ctx, tokenType, p, id) })
}

// revokeNamedRounds revokes what list finds (the live tokens named name
// under where) until it finds none, for at most successorRounds rounds: a
// holder rotating while it runs makes a new successor, which the next
// round finds. Still finding some after that is ErrHolderRotating.
func (c *client) revokeNamedRounds(tokenType, where, name string, list func() ([]int64, error), revoke func(id int64) error) error {
	for range successorRounds {
		ids, err := list()
		if err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		for _, id := range ids {
			if err := revoke(id); err != nil {
				return err
			}
		}
		c.log.Warn("revoked tokens a holder made by rotating a leased token itself",
			"token_type", tokenType, "parent", where, "token_ids", ids)
	}
	return &provider.Error{Kind: provider.ErrHolderRotating, Message: fmt.Sprintf(
		"gitlab: %s tokens named %q under %s are still being replaced by their holder after %d rounds of revocation; trying again later",
		tokenType, name, where, successorRounds)}
}
