package gitlab

import (
	"context"
	"fmt"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// Revoke implements provider.Client with one DELETE on the numeric parent
// the Handle recorded at issue time, and, for a token whose holder could
// have rotated it (the Handle names it), a search for its successors
// (successors.go).
func (c *client) Revoke(ctx context.Context, h provider.Handle) error {
	if h.TokenType == TokenTypeServiceAccount {
		return c.revokeServiceAccountToken(ctx, h)
	}
	p, err := handleParent(h)
	if err != nil {
		return err
	}
	if err := c.revokeByID(ctx, h.TokenType, p, h.ID); err != nil {
		return err
	}
	if h.Name == "" {
		return nil
	}
	return c.revokeSuccessors(ctx, h.TokenType, p, h.Name)
}

// revokeByID deletes one token:
//
//	project:  DELETE /projects/:id/access_tokens/:token_id
//	group:    DELETE /groups/:id/access_tokens/:token_id
//	deploy:   DELETE /projects/:id/deploy_tokens/:token_id (or /groups/…)
//	personal: DELETE /personal_access_tokens/:token_id
//
// A 404 means GitLab no longer has the token (revoked, expired and cleaned
// up, or its project deleted): that is success, for every type. Anything
// else that fails — 401, 403, 429, 5xx, a timeout — is an error, so Vault
// tries again later.
func (c *client) revokeByID(ctx context.Context, tokenType string, p parent, id int64) error {
	opt := gitlab.WithContext(ctx)
	var resp *gitlab.Response
	var err error
	switch {
	case tokenType == TokenTypePersonal:
		resp, err = c.api.PersonalAccessTokens.RevokePersonalAccessTokenByID(id, opt)
	case tokenType == TokenTypeDeploy && p.kind == "groups":
		resp, err = c.api.DeployTokens.DeleteGroupDeployToken(p.id, id, opt)
	case tokenType == TokenTypeDeploy:
		resp, err = c.api.DeployTokens.DeleteProjectDeployToken(p.id, id, opt)
	case p.kind == "groups":
		resp, err = c.api.GroupAccessTokens.RevokeGroupAccessToken(p.id, id, opt)
	default:
		resp, err = c.api.ProjectAccessTokens.RevokeProjectAccessToken(p.id, id, opt)
	}
	if err == nil || isNotFound(resp, err) {
		return nil
	}
	return c.fail(fmt.Sprintf("revoke %s token %d under %s", tokenType, id, p), resp, err)
}

// handleParent checks that a Handle names a token this package issued and
// returns its parent.
func handleParent(h provider.Handle) (parent, error) {
	if h.ID <= 0 {
		return parent{}, fmt.Errorf("gitlab: token handle has no token id")
	}
	p, err := parseParent(h.Parent)
	if err != nil {
		return parent{}, fmt.Errorf("gitlab: %w", err)
	}
	want := map[string][]string{
		TokenTypeProject:  {"projects"},
		TokenTypeGroup:    {"groups"},
		TokenTypeDeploy:   {"projects", "groups"},
		TokenTypePersonal: {"users"},
	}[h.TokenType]
	for _, kind := range want {
		if p.kind == kind {
			return p, nil
		}
	}
	return parent{}, fmt.Errorf("gitlab: a %q token cannot belong to %s", h.TokenType, h.Parent)
}
