package gitea

import (
	"context"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// Status implements provider.StatusClient from the bot account's token
// list (Gitea has no GET of one token): a listed token is active, with
// last_used_at where the server reports it (Gitea 1.22+ and Forgejo list
// it); a token not listed is gone.
func (c *Client) Status(ctx context.Context, h provider.Handle) (*provider.TokenStatus, error) {
	if err := c.checkHandle(ctx, h); err != nil {
		return nil, err
	}
	tokens, err := c.listTokens(ctx)
	if err != nil {
		return nil, err
	}
	for _, t := range tokens {
		if t.ID != h.ID {
			continue
		}
		st := &provider.TokenStatus{Active: true}
		if !t.Updated.IsZero() && t.Updated.Year() > 1 {
			used := t.Updated.UTC()
			st.LastUsedAt = &used
		}
		return st, nil
	}
	return &provider.TokenStatus{}, nil
}
