package gitsecrets

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

const staticRoleStoragePrefix = "static-roles/"

// staticExpiryMargin is how long a static token outlives the rotation
// that replaces it plus its grace period: room for that rotation to fail
// and be retried before consumers are left without a working token.
const staticExpiryMargin = 24 * time.Hour

// staticRole is a stored static-roles/:name entry: one long-lived provider
// token that the engine creates, hands out through static-creds/:name and
// replaces on a schedule.
type staticRole struct {
	Name        string         `json:"-"`
	Config      string         `json:"config"`
	Provider    string         `json:"provider"`
	TokenType   string         `json:"token_type"`
	Scope       provider.Scope `json:"scope"`
	Rotation    rotationSpec   `json:"rotation"`
	GracePeriod time.Duration  `json:"grace_period"`
	// Mount labels the tokens at the provider, where scheduled rotations
	// have no request to take it from.
	Mount string        `json:"mount"`
	State rotationState `json:"state"`

	Current *staticToken `json:"current,omitempty"`
	// Previous are replaced tokens waiting out their grace period.
	Previous []staticToken `json:"previous,omitempty"`

	// Resource is what the role's tokens belong to at the provider, where
	// its token type has one (role_resource.go).
	Resource *provider.Resource `json:"resource,omitempty"`
}

// staticToken is one token a static role made. It carries what revocation
// needs, including the connection and instance that issued it, so a role
// moved to another connection still revokes its old tokens.
type staticToken struct {
	Ref       string          `json:"ref"`
	Token     string          `json:"token"`
	Username  string          `json:"username"`
	Registry  bool            `json:"registry"`
	Scope     provider.Scope  `json:"scope"`
	Handle    provider.Handle `json:"handle"`
	Config    string          `json:"config"`
	BaseURL   string          `json:"base_url"`
	IssuedAt  time.Time       `json:"issued_at"`
	ExpiresAt time.Time       `json:"expires_at"` // the provider's expiry

	// RegistryHost is the registry the provider named for the token; the
	// connection's registry_host, when set, wins over it.
	RegistryHost string `json:"registry_host,omitempty"`

	// RevokeAfter is when a replaced token's grace period ends, or when a
	// failed revocation is tried again.
	RevokeAfter    time.Time `json:"revoke_after"`
	RevokeFailures int       `json:"revoke_failures,omitempty"`
}

// tokenCount is how many tokens of the role are live: its current one and
// those waiting out their grace period.
func (r *staticRole) tokenCount() int {
	n := len(r.Previous)
	if r.Current != nil {
		n++
	}
	return n
}

// wake is when the scheduler must look at the role next: its rotation, or
// the end of a previous token's grace period, whichever comes first.
func (r *staticRole) wake() time.Time {
	at := r.State.wake()
	for _, p := range r.Previous {
		if at.IsZero() || p.RevokeAfter.Before(at) {
			at = p.RevokeAfter
		}
	}
	return at
}

// tokenNotAfter is the latest moment a token made at now must work: the
// rotation that replaces it (window included), its grace period, and a
// margin.
func (r *staticRole) tokenNotAfter(now time.Time) time.Time {
	return r.Rotation.nextAfter(now).Add(r.Rotation.Window + r.GracePeriod + staticExpiryMargin)
}

// lifetimeNeeded is the longest any of the role's tokens must live.
func (r *staticRole) lifetimeNeeded(now time.Time) time.Duration {
	return r.Rotation.longestGap(now) + r.GracePeriod + staticExpiryMargin
}

// holds reports whether the role still uses the token with ref.
func (r *staticRole) holds(ref string) bool {
	if r.Current != nil && r.Current.Ref == ref {
		return true
	}
	return slices.ContainsFunc(r.Previous, func(t staticToken) bool { return t.Ref == ref })
}

func getStaticRole(ctx context.Context, s logical.Storage, name string) (*staticRole, error) {
	entry, err := s.Get(ctx, staticRoleStoragePrefix+name)
	if err != nil {
		return nil, fmt.Errorf("read static role: %w", err)
	}
	if entry == nil {
		return nil, nil
	}
	r := &staticRole{}
	if err := entry.DecodeJSON(r); err != nil {
		return nil, fmt.Errorf("decode static role: %w", err)
	}
	r.Name = name
	return r, nil
}

func putStaticRole(ctx context.Context, s logical.Storage, r *staticRole) error {
	entry, err := logical.StorageEntryJSON(staticRoleStoragePrefix+r.Name, r)
	if err != nil {
		return fmt.Errorf("encode static role: %w", err)
	}
	if err := s.Put(ctx, entry); err != nil {
		return fmt.Errorf("write static role: %w", err)
	}
	return nil
}

// eachStaticRole calls fn for every stored static role.
func eachStaticRole(ctx context.Context, s logical.Storage, fn func(*staticRole)) error {
	names, err := s.List(ctx, staticRoleStoragePrefix)
	if err != nil {
		return fmt.Errorf("list static roles: %w", err)
	}
	for _, name := range names {
		r, err := getStaticRole(ctx, s, name)
		if err != nil {
			return err
		}
		if r != nil {
			fn(r)
		}
	}
	return nil
}

// staticRolesUsing names the static roles whose tokens depend on a
// connection, so it is not deleted from under them.
func staticRolesUsing(ctx context.Context, s logical.Storage, config string) ([]string, error) {
	var out []string
	err := eachStaticRole(ctx, s, func(r *staticRole) {
		uses := r.Config == config
		for _, t := range r.Previous {
			uses = uses || t.Config == config
		}
		if uses {
			out = append(out, r.Name)
		}
	})
	return out, err
}
