package gitea

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/internal/apiclient"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// maxName is the length of a token's name Gitea stores (access_token.name
// is a VARCHAR(255)).
const maxName = 255

// defaultName labels a token when the request names none; a name is
// required and unique per user.
const defaultName = "vault-plugin-secrets-git"

// cleanupTimeout bounds deleting a token whose answer was unusable, which
// runs even when the request's own context has ended.
const cleanupTimeout = 30 * time.Second

// Issue implements provider.Client: one POST /users/{username}/tokens as
// the bot account (plus, for a role with repositories, a GET /version at
// most every ten minutes). The POST is never retried after an ambiguous
// failure; the caller's write-ahead log reclaims by name what it may have
// made.
func (c *Client) Issue(ctx context.Context, req provider.IssueRequest) (*provider.Token, error) {
	if err := checkTokenType(req.TokenType); err != nil {
		return nil, invalid(err)
	}
	in, err := scopeOf(req.Scope)
	if err != nil {
		return nil, invalid(err)
	}
	s, err := in.normalize()
	if err != nil {
		return nil, invalid(err)
	}
	if len(s.Repositories) > 0 {
		if err := c.checkRestriction(ctx); err != nil {
			return nil, err
		}
	}
	name := label(req)
	got, resp, err := c.create(ctx, name, s)
	if err != nil {
		return nil, c.fail("create an access token for "+c.username, resp, err)
	}
	h := provider.Handle{TokenType: TokenTypeAccess, ID: got.id, Parent: "users/" + c.username}
	if problem := unusable(got, s); problem != "" {
		if got.repos == nil && len(s.Repositories) > 0 {
			// The server ignored the restriction; read its kind again.
			c.server.forget()
		}
		return nil, c.discard(ctx, h, name, problem)
	}
	scopes := s.Scopes
	if len(got.scopes) > 0 {
		scopes, _ = normalizeScopes(got.scopes)
	}
	tok := &provider.Token{
		Token:    got.token,
		Username: c.username,
		Scope:    provider.Encode(Scope{Scopes: scopes, Repositories: s.Repositories}),
		Handle:   h,
		Registry: canPullImages(scopes),
	}
	if tok.Registry {
		tok.RegistryHost = c.registryHost
	}
	return tok, nil
}

// label is the token's name: the request's name (unique per request, so
// a lost creation can be found by it) with its description, since Gitea
// tokens have no description of their own; the server's UI then shows the
// role and requester behind the token.
func label(req provider.IssueRequest) string {
	name := req.Name
	if name == "" {
		name = defaultName
	}
	if req.Description != "" {
		name += " (" + req.Description + ")"
	}
	return apiclient.Truncate(name, maxName)
}

// named reports whether a token's name is the label made from name (cut
// to maxName as label cuts it).
func named(tokenName, name string) bool {
	return tokenName == apiclient.Truncate(name, maxName) || strings.HasPrefix(tokenName, name+" (")
}

// unusable says what is wrong with a token the server made, or "".
func unusable(got *created, asked Scope) string {
	switch {
	case got.token == "":
		return "the answer has no token value"
	case got.id <= 0:
		return "the answer has no token id"
	}
	if len(got.scopes) > 0 {
		norm, err := normalizeScopes(got.scopes)
		if err != nil {
			return fmt.Sprintf("the server granted scopes %v, which the engine does not hand out", got.scopes)
		}
		for _, s := range norm {
			if !grants(asked.Scopes, s) {
				return fmt.Sprintf("the server granted scope %q, which was not asked for", s)
			}
		}
	}
	if len(asked.Repositories) > 0 {
		if got.repos == nil {
			return "the server ignored the repository restriction and made a token for every repository the bot account reaches"
		}
		have := slices.Clone(got.repos)
		slices.Sort(have)
		if !slices.Equal(have, asked.Repositories) {
			return fmt.Sprintf("the server restricted the token to %v, not the %v asked for", have, asked.Repositories)
		}
	}
	return ""
}

// discard deletes a token whose answer cannot be used and reports why. It
// deletes by id when the answer had one, else by name (unique per user).
func (c *Client) discard(ctx context.Context, h provider.Handle, name, problem string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	var err error
	if h.ID > 0 {
		err = c.Revoke(ctx, h)
	} else {
		_, err = c.reclaim(ctx, name)
	}
	if err != nil {
		c.log.Error("could not delete an unusable Gitea token", "token_id", h.ID, "user", c.username, "error", err)
		return &provider.Error{Message: fmt.Sprintf("gitea: %s, and deleting it failed (%v): token %q of %s must be deleted", problem, err, name, c.username)}
	}
	return &provider.Error{Message: fmt.Sprintf("gitea: %s; the token was deleted", problem)}
}
