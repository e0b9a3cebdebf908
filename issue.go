package gitsecrets

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/vault/sdk/framework"
	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

type issueInput struct {
	role   *role
	conn   *connection
	client provider.Client
	scope  provider.Scope
	ttl    time.Duration
	// aliases are the requester's entity aliases, kept in the inventory.
	aliases []requesterAlias
}

// issue creates one token under the write-ahead log discipline:
//
//  1. a WAL entry naming the token-to-be is written before the provider call;
//  2. where revoking needs a secret (a provider that revokes a token with
//     itself),
//     the WAL entry is rewritten with the token's handle;
//  3. the inventory entry, holding what revocation needs except a secret,
//     is written next;
//  4. the WAL entry is deleted, and only then is the lease returned.
//
// A token rests in one place only: the WAL entry until step 4, then the
// lease's internal data. The inventory, which is not seal-wrapped, never
// holds it.
//
// If anything fails after the provider created the token, the token is
// revoked at once; if that fails too, the WAL entry stays and its rollback
// revokes the token through the handle in the WAL entry or the inventory
// entry. A creation whose answer was lost is found by name where the
// provider can list tokens (provider.Reclaimer).
func (b *backend) issue(ctx context.Context, req *logical.Request, in issueInput) (*logical.Response, error) {
	now := b.now().UTC()
	ref := uuid.NewString()
	name := providerTokenName(in.role.Name, requesterName(req), ref)
	w := walToken{
		Ref:       ref,
		Config:    in.conn.Name,
		Provider:  in.conn.Provider,
		BaseURL:   in.conn.BaseURL,
		TokenType: in.role.TokenType,
		Name:      name,
		Scope:     in.scope,
	}
	walID, err := framework.PutWAL(ctx, req.Storage, walKindToken, w)
	if err != nil {
		return nil, fmt.Errorf("write WAL entry: %w", err)
	}

	callCtx, cancel := context.WithTimeout(ctx, issueCommitWithin)
	tok, err := in.client.Issue(callCtx, provider.IssueRequest{
		TokenType:   in.role.TokenType,
		Scope:       in.scope,
		NotAfter:    now.Add(in.ttl),
		Name:        name,
		Description: providerTokenDescription(req, in.role.Name, now.Add(in.ttl), in.aliases),
		// A scope filled from the requester names things by their names now.
		Fresh: in.role.ScopeTemplate,
	})
	cancel()
	if err != nil {
		if refusedBeforeCreating(err) {
			// Nothing exists at the provider; nothing to roll back.
			_ = framework.DeleteWAL(ctx, req.Storage, walID)
		}
		b.Logger().Warn("issuing token failed", "role", in.role.Name, "config", in.conn.Name, "error", err)
		return nil, err
	}

	resp, err := b.record(ctx, req, in, w, now, tok, walID)
	if err != nil {
		// The token exists but its lease will not: revoke it now rather
		// than wait for the rollback, which cannot find a token
		// whose handle the WAL entry did not get.
		if rerr := b.revoke(ctx, req.Storage, in.conn.Name, in.conn.Provider, in.conn.BaseURL, tok.Handle); rerr != nil {
			b.Logger().Warn("revoking the token of a failed request failed; the WAL rollback will retry", "token_ref", ref, "error", rerr)
			// The entry is written again, with the handle: a rollback
			// may already have taken it, while the call was on its way.
			w.Handle = tok.Handle
			if werr := rewriteWAL(ctx, req.Storage, walID, walKindToken, w); werr != nil {
				b.Logger().Error("could not keep the WAL entry of a token that failed to revoke", "token_ref", ref, "error", werr)
			}
			return nil, err
		}
		_ = deleteTokenEntry(ctx, req.Storage, ref)
		_ = framework.DeleteWAL(ctx, req.Storage, walID)
		return nil, err
	}
	return resp, nil
}

// record stores the inventory entry and builds the lease for a created token.
func (b *backend) record(ctx context.Context, req *logical.Request, in issueInput, w walToken, now time.Time, tok *provider.Token, walID string) (*logical.Response, error) {
	if tok.Handle.Secret != "" {
		w.Handle = tok.Handle
		if err := rewriteWAL(ctx, req.Storage, walID, walKindToken, w); err != nil {
			return nil, err
		}
	}
	kind, err := b.kind(in.conn.Provider)
	if err != nil {
		return nil, err
	}
	ttl := in.ttl
	if margin := kind.ExpiryMargin(); margin > 0 && !tok.ExpiresAt.IsZero() {
		// The provider fixes the token's lifetime from its own clock.
		ttl = min(ttl, tok.ExpiresAt.Sub(now)-margin)
		if ttl <= 0 {
			return nil, fmt.Errorf("%s issued a token that expires at %s, too soon to lease", in.conn.Provider, tok.ExpiresAt.Format(time.RFC3339))
		}
	}
	entry := &tokenEntry{
		Ref:         w.Ref,
		Role:        in.role.Name,
		Config:      in.conn.Name,
		Provider:    in.conn.Provider,
		BaseURL:     in.conn.BaseURL,
		TokenType:   in.role.TokenType,
		Scope:       tok.Scope,
		Username:    tok.Username,
		Requester:   requester{DisplayName: req.DisplayName, EntityID: req.EntityID, Aliases: in.aliases},
		IssuedAt:    now,
		ExpiresAt:   now.Add(ttl),
		HashedToken: hashToken(tok.Token),
		Handle:      tok.Handle.WithoutSecret(),
	}
	if err := putTokenEntry(ctx, req.Storage, entry); err != nil {
		return nil, err
	}

	data := credsData(kind, entry, tok)
	if tok.Registry {
		addRegistryData(data, in.conn.registryHost(kind, tok.RegistryHost), tok.Username, tok.Token)
	}
	resp := b.Secret(secretTokenType).Response(data, entry.lease(tok.Handle, tok.ExpiresAt).toMap())
	resp.Secret.TTL = ttl
	resp.Secret.MaxTTL = ttl

	// Deleting the WAL entry is the commit point: if it fails, no lease is
	// returned and the token is revoked. Past issueCommitWithin the
	// rollback may have revoked the token already: no lease for it either.
	if took := b.now().Sub(now); took >= issueCommitWithin {
		return nil, fmt.Errorf("the provider took %s to issue the token, too long to lease it safely", took.Round(time.Second))
	}
	if err := framework.DeleteWAL(ctx, req.Storage, walID); err != nil {
		return nil, fmt.Errorf("delete WAL entry: %w", err)
	}
	return resp, nil
}

// refusedBeforeCreating reports a provider answer that proves no token was
// made: the provider refused the request (4xx, rate limits included), or
// the client did before its creating call (a Kind without a Status: a local
// check, or a lookup that found nothing). Its WAL entry can only go: a
// rollback would find nothing, at the cost of provider calls every minute.
func refusedBeforeCreating(err error) bool {
	var pe *provider.Error
	if !errors.As(err, &pe) {
		return false
	}
	return pe.Status >= 400 && pe.Status < 500 || pe.Status == 0 && pe.Kind != nil
}

// credsData is a creds response: the backend's fields and what the
// provider shows of the token.
func credsData(kind provider.Kind, e *tokenEntry, tok *provider.Token) map[string]any {
	data := map[string]any{
		"token":        tok.Token,
		"username":     tok.Username,
		"expires_at":   e.ExpiresAt.Format(time.RFC3339),
		"token_type":   e.TokenType,
		"config":       e.Config,
		"role":         e.Role,
		"token_ref":    e.Ref,
		"hashed_token": e.HashedToken,
	}
	maps.Copy(data, kind.TokenData(tok))
	return data
}

// addRegistryData adds registry and docker_config_json for a token that can
// pull images, when there is a registry to pair it with.
func addRegistryData(data map[string]any, host, username, token string) {
	if host == "" {
		return
	}
	data["registry"] = host
	data["docker_config_json"] = dockerConfigJSON(host, username, token)
}

// dockerConfigJSON renders a .dockerconfigjson document, the format of a
// Kubernetes kubernetes.io/dockerconfigjson secret and of ~/.docker/config.json.
func dockerConfigJSON(host, username, token string) string {
	type auth struct {
		Username string `json:"username"`
		Password string `json:"password"`
		Auth     string `json:"auth"`
	}
	doc := map[string]map[string]auth{"auths": {host: {
		Username: username,
		Password: token,
		Auth:     base64.StdEncoding.EncodeToString([]byte(username + ":" + token)),
	}}}
	out, _ := json.Marshal(doc)
	return string(out)
}

// hashToken is base64(SHA-256(token)), the form audit logs show, so
// an audit entry can be traced back to the Vault request that made the token.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.StdEncoding.EncodeToString(sum[:])
}

func providerTokenDescription(req *logical.Request, roleName string, leaseEnd time.Time, aliases []requesterAlias) string {
	entity := req.EntityID
	if entity == "" {
		entity = "none"
	}
	return truncate(fmt.Sprintf("Issued by Vault (mount %s, role %s) for %s (entity %s); lease ends %s%s",
		req.MountPoint, roleName, requesterName(req), entity, leaseEnd.Format(time.RFC3339), describeAliases(aliases)), 255)
}
