package gitsecrets

import (
	"context"

	"github.com/hashicorp/vault/sdk/logical"
)

// Static roles' tokens appear in tokens/ beside the leased ones. They are
// derived from the static roles, which already hold everything the
// inventory shows, rather than kept as a second copy that rotation would
// have to keep in step: a token is listed while its role holds it, as the
// current token or one waiting out its grace period, and is gone from the
// list when the role lets it go.

// staticTokenView is one token a static role holds.
type staticTokenView struct {
	role    *staticRole
	token   *staticToken
	current bool
}

// entry is the token as an inventory entry. A static token has no
// requester: the engine made it for the role.
func (v staticTokenView) entry() *tokenEntry {
	t := v.token
	return &tokenEntry{
		Ref:         t.Ref,
		Role:        v.role.Name,
		Config:      t.Config,
		Provider:    v.role.Provider,
		BaseURL:     t.BaseURL,
		TokenType:   v.role.TokenType,
		Scope:       t.Scope,
		Username:    t.Username,
		IssuedAt:    t.IssuedAt,
		ExpiresAt:   t.ExpiresAt,
		HashedToken: hashToken(t.Token),
		Handle:      t.Handle,
	}
}

// staticData adds what only a static token has to a listing or a read.
func (v staticTokenView) staticData(data map[string]any) {
	data["static"] = true
	data["current"] = v.current
	if !v.current {
		data["revoke_after"] = timeOrNil(v.token.RevokeAfter)
	}
}

// eachStaticToken calls fn for every token every static role holds.
func eachStaticToken(ctx context.Context, s logical.Storage, fn func(staticTokenView)) error {
	return eachStaticRole(ctx, s, func(r *staticRole) {
		if r.Current != nil {
			fn(staticTokenView{role: r, token: r.Current, current: true})
		}
		for i := range r.Previous {
			fn(staticTokenView{role: r, token: &r.Previous[i]})
		}
	})
}

// findStaticToken is the static token with inventory id ref, if a static
// role holds one.
func findStaticToken(ctx context.Context, s logical.Storage, ref string) (*staticTokenView, error) {
	var found *staticTokenView
	err := eachStaticToken(ctx, s, func(v staticTokenView) {
		if v.token.Ref == ref {
			found = &v
		}
	})
	return found, err
}
