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

const walKindToken = "token"

// walRollbackMinAge is how old a WAL entry must be before it is rolled back.
// A creds request finishes (or times out, at 90 s) long before.
const walRollbackMinAge = 5 * time.Minute

// issueCommitWithin bounds a creds request from its WAL entry to its
// commit, well inside walRollbackMinAge. Vault's request timeout usually
// ends a request sooner, but an operator may raise it, and a provider may
// be slow to answer a token it has already made: by walRollbackMinAge the
// rollback may have found that token by name and revoked it, so a request
// that has not committed by then must not (issue).
const issueCommitWithin = walRollbackMinAge / 2

// walToken is written before a token is created at the provider.
type walToken struct {
	Ref       string         `json:"ref"`
	Config    string         `json:"config"`
	Provider  string         `json:"provider"`
	BaseURL   string         `json:"base_url"`
	TokenType string         `json:"token_type"`
	Name      string         `json:"name"`
	Scope     provider.Scope `json:"scope"`
	// Handle is set once the provider has made the token, and only when
	// revoking needs a secret the inventory entry does not keep (a provider
	// that revokes a token with the token itself): until the lease is returned
	// it is the only stored copy. wal/ is seal-wrapped (backend.go). It is
	// set too when the request failed and could not revoke its token.
	Handle provider.Handle `json:"handle,omitzero"`
}

func (b *backend) walRollback(ctx context.Context, req *logical.Request, kind string, data any) error {
	switch kind {
	case walKindToken:
		var w walToken
		if err := decodeWAL(data, &w); err != nil {
			return err
		}
		return b.rollbackToken(ctx, req.Storage, w)
	case walKindStaticToken:
		var w walStaticToken
		if err := decodeWAL(data, &w); err != nil {
			return err
		}
		return b.rollbackStaticToken(ctx, req.Storage, w)
	case walKindRoleResource:
		var w walRoleResource
		if err := decodeWAL(data, &w); err != nil {
			return err
		}
		return b.rollbackRoleResource(ctx, req.Storage, w)
	case walKindRootToken:
		var w walRootToken
		if err := decodeWAL(data, &w); err != nil {
			return err
		}
		return b.rollbackRootToken(ctx, req.Storage, w, "")
	default:
		return fmt.Errorf("unknown WAL kind %q", kind)
	}
}

// rewriteWAL replaces the data of WAL entry id, which keeps its id: the
// request that wrote it deletes it by that id. The framework offers no
// update, so this writes its entry format (framework.WALEntry) itself.
func rewriteWAL(ctx context.Context, s logical.Storage, id, kind string, data any) error {
	entry, err := logical.StorageEntryJSON(framework.WALPrefix+id, &framework.WALEntry{
		Kind: kind, Data: data, CreatedAt: time.Now().UTC().Unix(),
	})
	if err != nil {
		return fmt.Errorf("encode WAL entry: %w", err)
	}
	if err := s.Put(ctx, entry); err != nil {
		return fmt.Errorf("write WAL entry: %w", err)
	}
	return nil
}

// rollbackToken revokes a token whose creds request did not complete. An
// error keeps the WAL entry, and Vault calls again on its next rollback tick.
func (b *backend) rollbackToken(ctx context.Context, s logical.Storage, w walToken) error {
	log := b.Logger().With("config", w.Config, "token_ref", w.Ref)
	entry, err := getTokenEntry(ctx, s, w.Ref)
	if err != nil {
		return err
	}
	// The token was created: revoke it by its handle. A handle with a
	// secret is in the WAL entry; any other is in the inventory entry (as
	// is, in entries an earlier release wrote, a secret).
	h, found := w.Handle, w.Handle != (provider.Handle{})
	if !found && entry != nil {
		h, found = entry.Handle, true
	}
	if found {
		if err := b.revoke(ctx, s, w.Config, w.Provider, w.BaseURL, h); err != nil {
			return err
		}
		log.Info("revoked token of an incomplete request")
		return deleteTokenEntry(ctx, s, w.Ref)
	}
	// The provider may have created the token and lost the answer. Where it
	// can list tokens, find it by the unique name it was given.
	conn, err := b.connection(ctx, s, w.Config)
	if err != nil {
		return err
	}
	if conn == nil || conn.BaseURL != w.BaseURL {
		log.Warn("connection gone or moved; cannot look for a token of an incomplete request")
		return nil
	}
	client, err := b.client(conn)
	if err != nil {
		return err
	}
	reclaimer, ok := client.(provider.Reclaimer)
	if !ok {
		// The provider cannot list its tokens; one whose answer was lost
		// expires on its own (such providers' tokens live an hour).
		log.Warn("provider cannot list tokens; a token of an incomplete request, if any, expires on its own")
		return nil
	}
	n, err := reclaimer.Reclaim(ctx, w.TokenType, w.Scope, w.Name)
	if err != nil {
		return err
	}
	if n > 0 {
		log.Info("revoked tokens of an incomplete request", "count", n)
	}
	return nil
}

// countWAL counts the WAL entries of kind whose data match, reading no
// further once it has found limit of them (0: no limit). An entry gone
// between the listing and its read is passed over.
func countWAL(ctx context.Context, s logical.Storage, kind string, limit int, match func(data any) bool) (int, error) {
	ids, err := framework.ListWAL(ctx, s)
	if err != nil {
		return 0, fmt.Errorf("list WAL entries: %w", err)
	}
	n := 0
	for _, id := range ids {
		entry, err := framework.GetWAL(ctx, s, id)
		if err != nil {
			return 0, fmt.Errorf("read WAL entry: %w", err)
		}
		if entry != nil && entry.Kind == kind && match(entry.Data) {
			if n++; n == limit {
				break
			}
		}
	}
	return n, nil
}

func decodeWAL(data any, out any) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("decode WAL entry: %w", err)
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("decode WAL entry: %w", err)
	}
	return nil
}
