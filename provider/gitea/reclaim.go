package gitea

import (
	"context"
	"errors"
	"fmt"
	"strings"

	sdk "code.gitea.io/sdk/gitea"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// listPage is the page size asked for; Gitea caps it at its MAX_RESPONSE_ITEMS
// (50 by default).
const listPage = 50

// Reclaim implements provider.Reclaimer: it deletes the bot account's live
// tokens carrying name (the unique label of a creation whose answer was
// lost). Every token of the account is listed, so nothing created here
// outlives a rollback.
func (c *Client) Reclaim(ctx context.Context, tokenType string, _ provider.Scope, name string) (int, error) {
	if tokenType != TokenTypeAccess {
		return 0, fmt.Errorf("gitea: cannot reclaim a %q token", tokenType)
	}
	return c.reclaim(ctx, name)
}

func (c *Client) reclaim(ctx context.Context, name string) (int, error) {
	if strings.TrimSpace(name) == "" {
		return 0, errors.New("gitea: reclaim needs the token's name")
	}
	tokens, err := c.listTokens(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, t := range tokens {
		if !named(t.Name, name) {
			continue
		}
		if err := c.Revoke(ctx, provider.Handle{TokenType: TokenTypeAccess, ID: t.ID, Parent: "users/" + c.username}); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// listTokens lists every token of the bot account, page by page.
func (c *Client) listTokens(ctx context.Context) ([]*sdk.AccessToken, error) {
	api := c.api(ctx)
	var all []*sdk.AccessToken
	for page := 1; page > 0; {
		ts, resp, err := api.ListAccessTokens(sdk.ListAccessTokensOptions{ListOptions: sdk.ListOptions{Page: page, PageSize: listPage}})
		if err != nil {
			return nil, c.fail("list the access tokens of "+c.username, resp, err)
		}
		all = append(all, ts...)
		switch {
		case resp.NextPage > page:
			page = resp.NextPage
		case resp.Header.Get("Link") == "" && len(ts) == listPage:
			page++ // a server that sends no Link header
		default:
			page = 0
		}
	}
	return all, nil
}
