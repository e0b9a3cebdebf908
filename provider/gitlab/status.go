package gitlab

import (
	"context"
	"fmt"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// Status implements provider.StatusClient with one GET of the token.
// Access and personal tokens report active and last_used_at; deploy tokens
// report only revoked and expired, so their LastUsedAt stays nil. A token
// GitLab no longer has is inactive, not an error.
func (c *client) Status(ctx context.Context, h provider.Handle) (*provider.TokenStatus, error) {
	if h.TokenType == TokenTypeServiceAccount {
		return c.serviceAccountTokenStatus(ctx, h)
	}
	p, err := handleParent(h)
	if err != nil {
		return nil, err
	}
	opt := gitlab.WithContext(ctx)
	var status provider.TokenStatus
	var resp *gitlab.Response
	switch {
	case h.TokenType == TokenTypeDeploy:
		var t *gitlab.DeployToken
		if p.kind == "groups" {
			t, resp, err = c.api.DeployTokens.GetGroupDeployToken(p.id, h.ID, opt)
		} else {
			t, resp, err = c.api.DeployTokens.GetProjectDeployToken(p.id, h.ID, opt)
		}
		if err == nil {
			status.Active = !t.Revoked && !t.Expired
		}
	case h.TokenType == TokenTypePersonal:
		var t *gitlab.PersonalAccessToken
		t, resp, err = c.api.PersonalAccessTokens.GetSinglePersonalAccessTokenByID(h.ID, opt)
		if err == nil {
			status = provider.TokenStatus{Active: t.Active, LastUsedAt: t.LastUsedAt}
		}
	case p.kind == "groups":
		var t *gitlab.GroupAccessToken
		t, resp, err = c.api.GroupAccessTokens.GetGroupAccessToken(p.id, h.ID, opt)
		if err == nil {
			status = provider.TokenStatus{Active: t.Active, LastUsedAt: t.LastUsedAt}
		}
	default:
		var t *gitlab.ProjectAccessToken
		t, resp, err = c.api.ProjectAccessTokens.GetProjectAccessToken(p.id, h.ID, opt)
		if err == nil {
			status = provider.TokenStatus{Active: t.Active, LastUsedAt: t.LastUsedAt}
		}
	}
	if isNotFound(resp, err) {
		return &provider.TokenStatus{}, nil
	}
	if err != nil {
		return nil, c.fail(fmt.Sprintf("read %s token %d under %s", h.TokenType, h.ID, h.Parent), resp, err)
	}
	return &status, nil
}
