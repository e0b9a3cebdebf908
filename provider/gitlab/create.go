package gitlab

import (
	"context"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// createAccessToken makes a project or group access token:
// POST /projects/:id/access_tokens or POST /groups/:id/access_tokens.
func (c *client) createAccessToken(ctx context.Context, p parent, name, description string, s Scope, expiry time.Time) (*issued, *gitlab.Response, error) {
	value, _ := accessLevelValue(s.AccessLevel)
	level := gitlab.AccessLevelValue(value)
	scopes := s.Scopes
	expires := gitlab.ISOTime(expiry)
	var t gitlab.PersonalAccessToken
	var resp *gitlab.Response
	var err error
	if p.kind == "groups" {
		var g *gitlab.GroupAccessToken
		g, resp, err = c.api.GroupAccessTokens.CreateGroupAccessToken(p.id, &gitlab.CreateGroupAccessTokenOptions{
			Name: &name, Description: &description, Scopes: &scopes, AccessLevel: &level, ExpiresAt: &expires,
		}, gitlab.WithContext(ctx))
		if err == nil {
			t, level = g.PersonalAccessToken, g.AccessLevel
		}
	} else {
		var pt *gitlab.ProjectAccessToken
		pt, resp, err = c.api.ProjectAccessTokens.CreateProjectAccessToken(p.id, &gitlab.CreateProjectAccessTokenOptions{
			Name: &name, Description: &description, Scopes: &scopes, AccessLevel: &level, ExpiresAt: &expires,
		}, gitlab.WithContext(ctx))
		if err == nil {
			t, level = pt.PersonalAccessToken, pt.AccessLevel
		}
	}
	if err != nil {
		return nil, resp, err
	}
	got := fromPersonalToken(&t)
	got.level = int(level)
	return got, resp, nil
}

// createDeployToken makes a deploy token on the project or group p names:
// POST /projects/:id/deploy_tokens or POST /groups/:id/deploy_tokens.
// GitLab picks the username (gitlab+deploy-token-N).
func (c *client) createDeployToken(ctx context.Context, p parent, name string, s Scope, expiry time.Time) (*issued, *gitlab.Response, error) {
	scopes := s.Scopes
	var t *gitlab.DeployToken
	var resp *gitlab.Response
	var err error
	if p.kind == "groups" {
		t, resp, err = c.api.DeployTokens.CreateGroupDeployToken(p.id, &gitlab.CreateGroupDeployTokenOptions{
			Name: &name, Scopes: &scopes, ExpiresAt: &expiry,
		}, gitlab.WithContext(ctx))
	} else {
		t, resp, err = c.api.DeployTokens.CreateProjectDeployToken(p.id, &gitlab.CreateProjectDeployTokenOptions{
			Name: &name, Scopes: &scopes, ExpiresAt: &expiry,
		}, gitlab.WithContext(ctx))
	}
	if err != nil {
		return nil, resp, err
	}
	got := &issued{id: t.ID, token: t.Token, username: t.Username, scopes: t.Scopes}
	if t.ExpiresAt != nil {
		got.expiresAt = t.ExpiresAt.UTC()
	}
	return got, resp, nil
}

// createPersonalToken makes a personal access token for the user p names,
// as an administrator: POST /users/:id/personal_access_tokens.
func (c *client) createPersonalToken(ctx context.Context, p parent, name, description string, s Scope, expiry time.Time) (*issued, *gitlab.Response, error) {
	scopes := s.Scopes
	expires := gitlab.ISOTime(expiry)
	t, resp, err := c.api.Users.CreatePersonalAccessToken(p.id, &gitlab.CreatePersonalAccessTokenOptions{
		Name: &name, Description: &description, Scopes: &scopes, ExpiresAt: &expires,
	}, gitlab.WithContext(ctx))
	if err != nil {
		return nil, resp, err
	}
	return fromPersonalToken(t), resp, nil
}

func fromPersonalToken(t *gitlab.PersonalAccessToken) *issued {
	got := &issued{id: t.ID, token: t.Token, scopes: t.Scopes}
	if t.ExpiresAt != nil {
		got.expiresAt = time.Time(*t.ExpiresAt).UTC()
	}
	return got
}
