package gitlab

import (
	"context"
	"fmt"
	"slices"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/internal/apiclient"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// accessTokenUsername is what Token.Username holds for project and group
// access tokens. GitLab authenticates Git over HTTPS and container registry
// logins with such a token whatever the username, as long as it is not
// blank: Gitlab::Auth.find_for_git_client (lib/gitlab/auth.rb), which both
// the Git HTTP controllers and the registry's JwtController use, tries
// personal_access_token_check(password, project) without looking at the
// login; access tokens are personal access tokens of their bot user.
// GitLab's documentation says the same ("any non-blank value as a
// username"). The bot's real username (project_<id>_bot_<hex>) would cost a
// GET /users/:id per token, so a fixed name is used. It avoids the logins
// GitLab treats specially first: gitlab-ci-token, *-ci-token, lfs+deploy-key-N.
const accessTokenUsername = "gitlab-access-token"

// maxLabel is GitLab's limit on a token's name and description.
const maxLabel = 255

// defaultName labels a token when the request names none; GitLab requires
// a name.
const defaultName = "vault-plugin-secrets-git"

// cleanupTimeout bounds revoking a token whose answer was unusable, which
// runs even when the request's own context has ended.
const cleanupTimeout = 30 * time.Second

// issued is what a create call returned, in one shape for all types.
type issued struct {
	id       int64
	token    string
	username string
	scopes   []string
	// level is the access level GitLab gave; 0 when it did not say.
	level int
	// expiresAt is GitLab's expiry; zero when GitLab set none.
	expiresAt time.Time
}

// Issue implements provider.Client. It checks the request locally, then
// makes one POST (plus, the first time a path is seen or on every request
// when req.Fresh, one lookup, and on a
// self-managed instance without registry_host, for a registry token on a
// project given by id, one GET /projects/:id an hour). The POST is never
// retried after an ambiguous failure.
func (c *client) Issue(ctx context.Context, req provider.IssueRequest) (*provider.Token, error) {
	scope, err := scopeOf(req.Scope)
	if err == nil {
		scope, err = normalizeScope(req.TokenType, scope)
	}
	if err != nil {
		return nil, invalid(err)
	}
	if req.TokenType == TokenTypeServiceAccount {
		return c.issueServiceAccountToken(ctx, req, scope.Path, scope.ServiceAccount)
	}
	now := c.now()
	expiry, err := tokenExpiry(req.TokenType, now, req.NotAfter)
	if err != nil {
		return nil, invalid(err)
	}
	if req.Fresh {
		c.ids.forget(cacheKey(req.TokenType, scope.Path))
	}
	p, err := c.resolveParent(ctx, req.TokenType, scope.Path)
	if err != nil {
		return nil, err
	}
	// Asked before the token exists, so no token waits on this call.
	registryHost := ""
	if canPullImages(req.TokenType, scope.Scopes) {
		registryHost = c.projectRegistry(ctx, p)
	}

	name, description := labels(req)
	var got *issued
	var resp *gitlab.Response
	switch req.TokenType {
	case TokenTypeProject, TokenTypeGroup:
		got, resp, err = c.createAccessToken(ctx, p, name, description, scope, expiry)
	case TokenTypeDeploy:
		got, resp, err = c.createDeployToken(ctx, p, name, scope, expiry)
	case TokenTypePersonal:
		got, resp, err = c.createPersonalToken(ctx, p, name, description, scope, expiry)
	}
	if err != nil {
		if isNotFound(resp, err) {
			// The path may have been renamed or deleted since it was cached.
			c.ids.forget(cacheKey(req.TokenType, scope.Path))
		}
		return nil, c.fail(fmt.Sprintf("create a %s token on %s", req.TokenType, scope.Path), resp, err)
	}
	if got.id <= 0 {
		return nil, &provider.Error{Message: fmt.Sprintf(
			"gitlab: create a %s token on %s: GitLab's answer has no token id, so a token it may have made cannot be revoked from here", req.TokenType, scope.Path)}
	}

	h := provider.Handle{TokenType: req.TokenType, ID: got.id, Parent: p.String()}
	if problem := unusable(req.TokenType, got, scope, now); problem != "" {
		return nil, c.discard(ctx, h, problem)
	}
	if canRotateItself(got.scopes) {
		// Its holder may replace it with a successor of the same name,
		// which revocation must find (successors.go).
		h.Name = name
	}
	username := got.username
	switch req.TokenType {
	case TokenTypeProject, TokenTypeGroup:
		username = accessTokenUsername
	case TokenTypePersonal:
		username = p.username
	}
	scopes := slices.Clone(got.scopes)
	slices.Sort(scopes)
	level := accessLevelName(got.level)
	if got.level == 0 {
		level = scope.AccessLevel
	}
	tok := &provider.Token{
		Token:     got.token,
		Username:  username,
		ExpiresAt: got.expiresAt,
		Scope:     provider.Encode(Scope{Path: scope.Path, Scopes: scopes, AccessLevel: level}),
		Handle:    h,
		Registry:  canPullImages(req.TokenType, scopes),
	}
	if tok.Registry {
		tok.RegistryHost = registryHost
	}
	return tok, nil
}

func tokenExpiry(tokenType string, now, notAfter time.Time) (time.Time, error) {
	if tokenType == TokenTypeDeploy {
		return deployTokenExpiry(now, notAfter)
	}
	return accessTokenExpiry(now, notAfter)
}

// labels fits the request's name and description to GitLab's limits.
// Deploy tokens have no description, so theirs joins the name: GitLab's UI
// and audit log then still show the role and requester behind the token.
func labels(req provider.IssueRequest) (name, description string) {
	name = req.Name
	if name == "" {
		name = defaultName
	}
	if req.TokenType == TokenTypeDeploy && req.Description != "" {
		name += " (" + req.Description + ")"
	}
	return apiclient.Truncate(name, maxLabel), apiclient.Truncate(req.Description, maxLabel)
}

// unusable says what is wrong with a token GitLab made, or "" when nothing
// is. A token that cannot be handed out, or got more than was asked, is
// revoked rather than returned.
func unusable(tokenType string, got *issued, asked Scope, now time.Time) string {
	switch {
	case got.token == "":
		return "GitLab's answer has no token value"
	case tokenType == TokenTypeDeploy && got.username == "":
		return "GitLab's answer has no deploy-token username"
	case len(got.scopes) == 0:
		return "GitLab's answer lists no scopes"
	case !got.expiresAt.IsZero() && !got.expiresAt.After(now):
		return fmt.Sprintf("GitLab made the token already expired (%s)", got.expiresAt.UTC().Format(time.RFC3339))
	}
	for _, s := range got.scopes {
		if !slices.Contains(asked.Scopes, s) {
			return fmt.Sprintf("GitLab granted scope %q, which was not asked for", s)
		}
	}
	if want, ok := accessLevelValue(asked.AccessLevel); ok && got.level > want {
		return fmt.Sprintf("GitLab granted access level %d, above the %s asked for", got.level, asked.AccessLevel)
	}
	return ""
}

// discard revokes a token whose answer cannot be used and reports why. The
// revoke runs on a context of its own, so a request that timed out still
// cleans up.
func (c *client) discard(ctx context.Context, h provider.Handle, problem string) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	if err := c.Revoke(ctx, h); err != nil {
		c.log.Error("could not revoke an unusable GitLab token", "token_type", h.TokenType, "token_id", h.ID, "parent", h.Parent, "error", err)
		return &provider.Error{Message: fmt.Sprintf(
			"gitlab: %s, and revoking it failed (%v): token %d under %s must be revoked", problem, err, h.ID, h.Parent)}
	}
	return &provider.Error{Message: fmt.Sprintf("gitlab: %s; the token was revoked", problem)}
}
