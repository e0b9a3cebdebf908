package gitlab

import (
	"context"
	"fmt"
	"strings"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// Reclaim implements provider.Reclaimer: it finds the live tokens of
// tokenType under scope that carry name (the unique label the backend gave a
// creation whose answer was lost) and revokes them. GitLab lists every token
// kind, so nothing created here can be orphaned for longer than a rollback.
func (c *client) Reclaim(ctx context.Context, tokenType string, doc provider.Scope, name string) (int, error) {
	if strings.TrimSpace(name) == "" {
		return 0, fmt.Errorf("gitlab: reclaim needs the token's name")
	}
	scope, err := scopeOf(doc)
	if err != nil {
		return 0, err
	}
	p, err := c.resolveParent(ctx, tokenType, scope.Path)
	if isNotFoundError(err) {
		c.parentGone(tokenType, scope.Path, err)
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	ids, err := c.tokensNamed(ctx, tokenType, p, name)
	if isNotFoundError(err) {
		c.ids.forget(cacheKey(tokenType, scope.Path))
		c.parentGone(tokenType, scope.Path, err)
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		if err := c.Revoke(ctx, provider.Handle{TokenType: tokenType, ID: id, Parent: p.String()}); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// parentGone notes a reclaim that found no project, group or user to look
// under. GitLab deletes a project's or group's tokens with it, and a
// user's with the user, so nothing can be alive there; retrying would fail
// the same way forever. (GitLab answers 404 too for a resource the
// connection can no longer see; then it could not revoke a token there
// either, and the token expires at the expiry it was given.)
func (c *client) parentGone(tokenType, path string, err error) {
	c.log.Warn("the owner of a token to reclaim does not exist; nothing to revoke", "token_type", tokenType, "path", path, "error", err)
}

// tokensNamed lists the active tokens under p and returns the ids of those
// the backend labelled name. Deploy tokens carry "name (description)".
func (c *client) tokensNamed(ctx context.Context, tokenType string, p parent, name string) ([]int64, error) {
	matches := func(n string) bool { return n == name || strings.HasPrefix(n, name+" (") }
	active := "active"
	activeState := gitlab.AccessTokenStateActive
	opt := gitlab.WithContext(ctx)
	list := gitlab.ListOptions{PerPage: 100}
	var ids []int64
	for page := int64(1); page > 0; {
		list.Page = page
		var resp *gitlab.Response
		var err error
		switch {
		case tokenType == TokenTypePersonal:
			var ts []*gitlab.PersonalAccessToken
			uid := p.id
			ts, resp, err = c.api.PersonalAccessTokens.ListPersonalAccessTokens(&gitlab.ListPersonalAccessTokensOptions{
				ListOptions: list, UserID: &uid, State: &active, Search: &name,
			}, opt)
			for _, t := range ts {
				if matches(t.Name) {
					ids = append(ids, t.ID)
				}
			}
		case tokenType == TokenTypeDeploy:
			var ts []*gitlab.DeployToken
			if p.kind == "groups" {
				ts, resp, err = c.api.DeployTokens.ListGroupDeployTokens(p.id, &gitlab.ListGroupDeployTokensOptions{ListOptions: list}, opt)
			} else {
				ts, resp, err = c.api.DeployTokens.ListProjectDeployTokens(p.id, &gitlab.ListProjectDeployTokensOptions{ListOptions: list}, opt)
			}
			for _, t := range ts {
				if matches(t.Name) && !t.Revoked && !t.Expired {
					ids = append(ids, t.ID)
				}
			}
		case p.kind == "groups":
			var ts []*gitlab.GroupAccessToken
			ts, resp, err = c.api.GroupAccessTokens.ListGroupAccessTokens(p.id, &gitlab.ListGroupAccessTokensOptions{ListOptions: list, State: &activeState}, opt)
			for _, t := range ts {
				if matches(t.Name) && t.Active {
					ids = append(ids, t.ID)
				}
			}
		default:
			var ts []*gitlab.ProjectAccessToken
			ts, resp, err = c.api.ProjectAccessTokens.ListProjectAccessTokens(p.id, &gitlab.ListProjectAccessTokensOptions{ListOptions: list, State: &active}, opt)
			for _, t := range ts {
				if matches(t.Name) && t.Active {
					ids = append(ids, t.ID)
				}
			}
		}
		if err != nil {
			return nil, c.fail(fmt.Sprintf("list %s tokens under %s", tokenType, p), resp, err)
		}
		page = resp.NextPage
	}
	return ids, nil
}
