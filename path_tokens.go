package gitsecrets

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/hashicorp/vault/sdk/framework"
	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

const tokenStoragePrefix = "tokens/"

// tokenEntry is the inventory record of one issued, not yet revoked token.
// It is written before the lease is returned and deleted when the token is
// revoked, so the inventory lists exactly the tokens that may be live.
type tokenEntry struct {
	Ref         string         `json:"ref"`
	Role        string         `json:"role"`
	Config      string         `json:"config"`
	Provider    string         `json:"provider"`
	BaseURL     string         `json:"base_url"`
	TokenType   string         `json:"token_type"`
	Scope       provider.Scope `json:"scope"`
	Username    string         `json:"username"`
	Requester   requester      `json:"requester"`
	IssuedAt    time.Time      `json:"issued_at"`
	ExpiresAt   time.Time      `json:"expires_at"`
	HashedToken string         `json:"hashed_token"`
	// Handle identifies the token at the provider for status checks and
	// for the rollback of a request whose lease was never returned. It has
	// no Secret: tokens/ is not seal-wrapped, and the token rests in the
	// lease (and until then in the WAL entry, wal.go). An entry an earlier
	// release wrote may still hold one (only handles of tokens that revoke themselves had one): it is
	// never shown, the rollback of that release's WAL entries still needs
	// it, and it is not rewritten, since a rewrite racing the entry's
	// deletion at revocation would bring the entry back. The entry goes
	// when its lease is revoked, and such a token expires within the hour.
	Handle provider.Handle `json:"handle"`
}

type requester struct {
	DisplayName string           `json:"display_name"`
	EntityID    string           `json:"entity_id"`
	Aliases     []requesterAlias `json:"aliases,omitempty"`
}

type tokenFilter struct {
	Role, Config string
}

func (f tokenFilter) match(e *tokenSummary) bool {
	return (f.Role == "" || f.Role == e.Role) && (f.Config == "" || f.Config == e.Config)
}

func pathTokens(b *backend) []*framework.Path {
	return []*framework.Path{
		{
			Pattern: tokenStoragePrefix + "?$",
			DisplayAttrs: &framework.DisplayAttributes{
				OperationPrefix: operationPrefix,
				OperationSuffix: "tokens",
			},
			Fields: map[string]*framework.FieldSchema{
				"role": {
					Type:        framework.TypeString,
					Description: "List only tokens issued for this role.",
					Query:       true,
				},
				"config": {
					Type:        framework.TypeString,
					Description: "List only tokens issued through this connection.",
					Query:       true,
				},
			},
			Operations: map[logical.Operation]framework.OperationHandler{
				logical.ListOperation: &framework.PathOperation{
					Callback:     b.pathTokensList,
					DisplayAttrs: &framework.DisplayAttributes{OperationVerb: "list"},
				},
			},
			HelpSynopsis:    tokensHelpSyn,
			HelpDescription: tokensHelpDesc,
		},
		{
			Pattern: tokenStoragePrefix + nameRegex("id"),
			DisplayAttrs: &framework.DisplayAttributes{
				OperationPrefix: operationPrefix,
				OperationSuffix: "token",
			},
			Fields: map[string]*framework.FieldSchema{
				"id": {
					Type:        framework.TypeString,
					Description: "The token's id in the inventory (token_ref in the creds response).",
					Required:    true,
				},
			},
			Operations: map[logical.Operation]framework.OperationHandler{
				logical.ReadOperation: &framework.PathOperation{
					Callback:     b.pathTokenRead,
					DisplayAttrs: &framework.DisplayAttributes{OperationVerb: "read"},
				},
			},
			HelpSynopsis:    tokensHelpSyn,
			HelpDescription: tokensHelpDesc,
		},
	}
}

func (b *backend) pathTokensList(ctx context.Context, req *logical.Request, d *framework.FieldData) (*logical.Response, error) {
	f := tokenFilter{Role: d.Get("role").(string), Config: d.Get("config").(string)}
	keys := []string{}
	info := map[string]any{}
	add := func(e *tokenSummary) map[string]any {
		keys = append(keys, e.Ref)
		row := map[string]any{
			"role":       e.Role,
			"config":     e.Config,
			"token_type": e.TokenType,
			"requester":  e.Requester.DisplayName,
			"issued_at":  e.IssuedAt.Format(time.RFC3339),
			"expires_at": e.ExpiresAt.Format(time.RFC3339),
		}
		info[e.Ref] = row
		return row
	}
	err := eachToken(ctx, req.Storage, func(e *tokenSummary) {
		if f.match(e) {
			add(e)
		}
	})
	if err != nil {
		return nil, err
	}
	err = eachStaticToken(ctx, req.Storage, func(v staticTokenView) {
		e := v.entry()
		summary := &tokenSummary{Ref: e.Ref, Role: e.Role, Config: e.Config, TokenType: e.TokenType, IssuedAt: e.IssuedAt, ExpiresAt: e.ExpiresAt}
		if f.match(summary) {
			v.staticData(add(summary))
		}
	})
	if err != nil {
		return nil, err
	}
	return logical.ListResponseWithInfo(keys, info), nil
}

func (b *backend) pathTokenRead(ctx context.Context, req *logical.Request, d *framework.FieldData) (*logical.Response, error) {
	ref := d.Get("id").(string)
	e, err := getTokenEntry(ctx, req.Storage, ref)
	if err != nil {
		return nil, err
	}
	var static *staticTokenView
	if e == nil {
		if static, err = findStaticToken(ctx, req.Storage, ref); err != nil || static == nil {
			return nil, err
		}
		e = static.entry()
	}
	data := map[string]any{
		"role":         e.Role,
		"config":       e.Config,
		"provider":     e.Provider,
		"token_type":   e.TokenType,
		"username":     e.Username,
		"requester":    map[string]any{"display_name": e.Requester.DisplayName, "entity_id": e.Requester.EntityID, "aliases": aliasesData(e.Requester.Aliases)},
		"issued_at":    e.IssuedAt.Format(time.RFC3339),
		"expires_at":   e.ExpiresAt.Format(time.RFC3339),
		"hashed_token": e.HashedToken,
	}
	b.addScopeData(data, e.Provider, e.Scope)
	if e.Handle.ID != 0 {
		data["token_id"] = e.Handle.ID
	}
	if static != nil {
		static.staticData(data)
	}
	q, err := getQueuedRevocation(ctx, req.Storage, e.Ref)
	if err != nil {
		return nil, err
	}
	if q != nil {
		// The lease has ended; the engine still owes the revocation.
		data["revocation_queued_at"] = q.QueuedAt.Format(time.RFC3339)
		data["revocation_attempts"] = q.Attempts
		if q.LastError != "" {
			data["revocation_last_error"] = q.LastError
		}
	}
	resp := &logical.Response{Data: data}
	st, err := b.tokenStatus(ctx, req.Storage, e)
	switch {
	case err != nil:
		resp.AddWarning(fmt.Sprintf("could not ask %s about the token: %s", e.Provider, err))
	case st != nil:
		data["active"] = st.Active
		if st.LastUsedAt != nil {
			data["last_used_at"] = st.LastUsedAt.UTC().Format(time.RFC3339)
		} else {
			data["last_used_at"] = nil
		}
	}
	return resp, nil
}

// tokenStatus asks the provider, where it can tell, whether the token is
// active and when it was last used. Answers are cached briefly so listing
// screens that read many entries do not hammer the provider. Only providers
// with a provider.StatusClient tell, by the token's id: the handle needs no
// secret.
func (b *backend) tokenStatus(ctx context.Context, s logical.Storage, e *tokenEntry) (*provider.TokenStatus, error) {
	if st, ok := b.status.get(e.Ref, b.now()); ok {
		return st, nil
	}
	conn, err := b.connection(ctx, s, e.Config)
	if err != nil || conn == nil || conn.BaseURL != e.BaseURL {
		return nil, err
	}
	client, err := b.client(conn)
	if err != nil {
		return nil, err
	}
	sc, ok := client.(provider.StatusClient)
	if !ok {
		return nil, nil
	}
	st, err := sc.Status(ctx, e.Handle)
	if err != nil {
		return nil, err
	}
	b.status.put(e.Ref, st, b.now())
	return st, nil
}

func getTokenEntry(ctx context.Context, s logical.Storage, ref string) (*tokenEntry, error) {
	entry, err := s.Get(ctx, tokenStoragePrefix+ref)
	if err != nil {
		return nil, fmt.Errorf("read token entry: %w", err)
	}
	if entry == nil {
		return nil, nil
	}
	e := &tokenEntry{}
	if err := entry.DecodeJSON(e); err != nil {
		return nil, fmt.Errorf("decode token entry: %w", err)
	}
	return e, nil
}

func putTokenEntry(ctx context.Context, s logical.Storage, e *tokenEntry) error {
	entry, err := logical.StorageEntryJSON(tokenStoragePrefix+e.Ref, e)
	if err != nil {
		return fmt.Errorf("encode token entry: %w", err)
	}
	if err := s.Put(ctx, entry); err != nil {
		return fmt.Errorf("write token entry: %w", err)
	}
	return nil
}

func deleteTokenEntry(ctx context.Context, s logical.Storage, ref string) error {
	if ref == "" {
		return nil
	}
	if err := s.Delete(ctx, tokenStoragePrefix+ref); err != nil {
		return fmt.Errorf("delete token entry: %w", err)
	}
	return nil
}

// tokenSummary is the part of an inventory entry a listing shows. Listing
// decodes only these fields: an inventory can hold many thousands of entries.
type tokenSummary struct {
	Ref       string    `json:"ref"`
	Role      string    `json:"role"`
	Config    string    `json:"config"`
	TokenType string    `json:"token_type"`
	Requester requester `json:"requester"`
	IssuedAt  time.Time `json:"issued_at"`
	ExpiresAt time.Time `json:"expires_at"`
}

func eachToken(ctx context.Context, s logical.Storage, fn func(*tokenSummary)) error {
	refs, err := s.List(ctx, tokenStoragePrefix)
	if err != nil {
		return fmt.Errorf("list tokens: %w", err)
	}
	var e tokenSummary
	for _, ref := range refs {
		entry, err := s.Get(ctx, tokenStoragePrefix+ref)
		if err != nil {
			return fmt.Errorf("read token entry: %w", err)
		}
		if entry == nil {
			continue
		}
		e = tokenSummary{}
		if err := json.Unmarshal(entry.Value, &e); err != nil {
			return fmt.Errorf("decode token entry: %w", err)
		}
		fn(&e)
	}
	return nil
}

const tokensHelpSyn = "The inventory of issued tokens that are not yet revoked."

const tokensHelpDesc = `
Every token the engine issues is listed here from the moment it is issued
until it is revoked: who asked for it (Vault display name and entity id), for
which role and connection, the scope it got, when it was issued and when its
lease ends. Where the provider can tell, a read also asks it whether the
token is still active and when it was last used. The token itself is never
shown; hashed_token is base64 of its SHA-256, as audit logs show it.

A token whose lease ended while the provider rate-limited its revocation
past Vault's retries stays listed until the engine has revoked it (it
retries at the provider's pace on every periodic tick); a read shows
revocation_queued_at, revocation_attempts and revocation_last_error.

Static roles' tokens are listed too, with static true: the current token
(current true) and those waiting out their grace period (revoke_after). They
have no requester (the engine made them for the static role) and their
expires_at is the provider's expiry; they go from the list when the role
revokes them.

A list can be filtered by role and config through the API:
GET /v1/<mount>/tokens?list=true&role=<role>.
`
