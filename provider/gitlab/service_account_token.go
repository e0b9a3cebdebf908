package gitlab

import (
	"context"
	"fmt"
	"slices"
	"strings"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// Tokens of a service account (service_account.go says what GitLab's API
// allows): issue, revoke with their self-rotated successors, reclaim by
// name, and status. A group account's tokens go through
// /groups/:id/service_accounts/:user_id/personal_access_tokens, which a group
// Owner may call; an instance account's through the personal access tokens
// API, as an administrator.

// issueServiceAccountToken issues a personal access token of the service
// account username of group ("" for an instance account). It never creates
// the account: a role write does that (EnsureServiceAccount). Once the
// account is known it is one POST, never retried after an ambiguous failure.
func (c *client) issueServiceAccountToken(ctx context.Context, req provider.IssueRequest, group, username string) (*provider.Token, error) {
	if err := checkServiceAccount(group, username); err != nil {
		return nil, invalid(err)
	}
	asked, err := scopeOf(req.Scope)
	if err != nil {
		return nil, invalid(err)
	}
	scopes, err := normalizeScopes(TokenTypePersonal, asked.Scopes)
	if err == nil && len(scopes) == 0 {
		err = fmt.Errorf("scopes is required: at least one of %s", strings.Join(scopesFor(TokenTypePersonal), ", "))
	}
	if err != nil {
		return nil, invalid(err)
	}
	now := c.now()
	expiry, err := accessTokenExpiry(now, req.NotAfter)
	if err != nil {
		return nil, invalid(err)
	}
	key := serviceAccountKey(group, username)
	if req.Fresh {
		c.ids.forget(key)
	}
	a, err := c.resolveServiceAccount(ctx, group, username)
	if err != nil {
		return nil, err
	}

	name, description := labels(req)
	expires := gitlab.ISOTime(expiry)
	var t *gitlab.PersonalAccessToken
	var resp *gitlab.Response
	if a.GroupID == 0 {
		t, resp, err = c.api.Users.CreatePersonalAccessToken(a.ID, &gitlab.CreatePersonalAccessTokenOptions{
			Name: &name, Description: &description, Scopes: &scopes, ExpiresAt: &expires,
		}, gitlab.WithContext(ctx))
	} else {
		t, resp, err = c.api.Groups.CreateServiceAccountPersonalAccessToken(a.GroupID, a.ID, &gitlab.CreateServiceAccountPersonalAccessTokenOptions{
			Name: &name, Description: &description, Scopes: &scopes, ExpiresAt: &expires,
		}, gitlab.WithContext(ctx))
	}
	g := saGroup{path: group, id: a.GroupID}
	if err != nil {
		if isNotFound(resp, err) {
			// The account may have been deleted since it was cached.
			c.ids.forget(key)
		}
		return nil, c.saFail(fmt.Sprintf("create a token of service account %q in %s", username, g), g, resp, err)
	}
	got := fromPersonalToken(t)
	if got.id <= 0 {
		return nil, &provider.Error{Message: fmt.Sprintf(
			"gitlab: create a token of service account %q in %s: GitLab's answer has no token id, so a token it may have made cannot be revoked from here", username, g)}
	}
	h := provider.Handle{TokenType: TokenTypeServiceAccount, ID: got.id, Parent: a.tokenParent()}
	if problem := unusable(TokenTypeServiceAccount, got, Scope{Scopes: scopes}, now); problem != "" {
		return nil, c.discard(ctx, h, problem)
	}
	if t.UserID != 0 && t.UserID != a.ID {
		return nil, c.discard(ctx, h, fmt.Sprintf("GitLab made the token for user %d, not service account %d", t.UserID, a.ID))
	}
	if canRotateItself(got.scopes) {
		h.Name = name
	}
	granted := slices.Clone(got.scopes)
	slices.Sort(granted)
	return &provider.Token{
		Token:     got.token,
		Username:  a.Username,
		ExpiresAt: got.expiresAt,
		Scope:     provider.Encode(Scope{Path: group, Scopes: granted, ServiceAccount: a.Username}),
		Handle:    h,
		Registry:  canPullImages(TokenTypePersonal, granted),
	}, nil
}

func serviceAccountKey(group, username string) string {
	return cacheKey(TokenTypeServiceAccount, group+"\x00"+username)
}

// resolveServiceAccount finds the account's ids, from the cache when it
// can; an account that does not exist is a notFound error telling the
// operator to write the role again. An uncached look-up also checks the
// GitLab version, so no token is issued where it could not be revoked.
func (c *client) resolveServiceAccount(ctx context.Context, group, username string) (ServiceAccount, error) {
	key := serviceAccountKey(group, username)
	if p, ok := c.ids.get(key); ok {
		a, err := parseServiceAccountParent(p.kind)
		a.Username = p.username
		return a, err
	}
	if err := c.checkServiceAccountVersion(ctx); err != nil {
		return ServiceAccount{}, err
	}
	g, err := c.serviceAccountGroup(ctx, group)
	if err != nil {
		return ServiceAccount{}, err
	}
	a, err := c.findServiceAccount(ctx, g, username)
	if isNotFoundError(err) {
		return ServiceAccount{}, notFound(fmt.Sprintf(
			"gitlab: %s has no service account %q; writing the role again creates it", g, username))
	}
	if err != nil {
		return ServiceAccount{}, err
	}
	// The cache holds parents; the whole token parent goes in kind.
	c.ids.put(key, parent{kind: a.tokenParent(), username: a.Username})
	return a, nil
}

// revokeServiceAccountToken revokes one token of a service account and,
// for a token whose holder could rotate it (the Handle names it), the
// successors of that name. A token or account GitLab no longer has is
// revoked.
//
//	group:    DELETE /groups/:id/service_accounts/:user_id/personal_access_tokens/:token_id
//	instance: DELETE /personal_access_tokens/:token_id
func (c *client) revokeServiceAccountToken(ctx context.Context, h provider.Handle) error {
	if h.ID <= 0 {
		return fmt.Errorf("gitlab: token handle has no token id")
	}
	a, err := parseServiceAccountParent(h.Parent)
	if err != nil {
		return err
	}
	if err := c.revokeServiceAccountTokenByID(ctx, a, h.ID); err != nil {
		return err
	}
	if h.Name == "" {
		return nil
	}
	// As revokeSuccessors (successors.go), on this account's token list.
	return c.revokeNamedRounds(TokenTypeServiceAccount, h.Parent, h.Name,
		func() ([]int64, error) {
			ids, err := c.serviceAccountTokens(ctx, a, h.Name)
			if isNotFoundError(err) {
				return nil, nil // the account is gone, and its tokens with it
			}
			return ids, err
		},
		func(id int64) error { return c.revokeServiceAccountTokenByID(ctx, a, id) })
}

// revokeServiceAccountTokenByID deletes one token; 404 (token, account or
// group gone) is success, as for every type (revoke.go).
func (c *client) revokeServiceAccountTokenByID(ctx context.Context, a ServiceAccount, id int64) error {
	var resp *gitlab.Response
	var err error
	if a.GroupID == 0 {
		resp, err = c.api.PersonalAccessTokens.RevokePersonalAccessTokenByID(id, gitlab.WithContext(ctx))
	} else {
		resp, err = c.api.Groups.RevokeServiceAccountPersonalAccessToken(a.GroupID, a.ID, id, gitlab.WithContext(ctx))
	}
	if err == nil || isNotFound(resp, err) {
		return nil
	}
	return c.fail(fmt.Sprintf("revoke service account token %d under %s", id, a.tokenParent()), resp, err)
}

// serviceAccountTokens lists the ids of the account's active tokens named
// name exactly (GitLab's search is a substring match), or of all its
// active tokens when name is "". A notFound error means the account (or
// its group) is gone.
//
//	group:    GET /groups/:id/service_accounts/:user_id/personal_access_tokens?state=active&search=
//	instance: GET /personal_access_tokens?user_id=&state=active&search=
func (c *client) serviceAccountTokens(ctx context.Context, a ServiceAccount, name string) ([]int64, error) {
	active := "active"
	var search *string
	if name != "" {
		search = &name
	}
	list := gitlab.ListOptions{PerPage: 100}
	var ids []int64
	for page := int64(1); page > 0; {
		list.Page = page
		var ts []*gitlab.PersonalAccessToken
		var resp *gitlab.Response
		var err error
		if a.GroupID == 0 {
			uid := a.ID
			ts, resp, err = c.api.PersonalAccessTokens.ListPersonalAccessTokens(&gitlab.ListPersonalAccessTokensOptions{
				ListOptions: list, UserID: &uid, State: &active, Search: search,
			}, gitlab.WithContext(ctx))
		} else {
			ts, resp, err = c.api.Groups.ListServiceAccountPersonalAccessTokens(a.GroupID, a.ID, &gitlab.ListServiceAccountPersonalAccessTokensOptions{
				ListOptions: list, State: &active, Search: search,
			}, gitlab.WithContext(ctx))
		}
		if err != nil {
			return nil, c.fail(fmt.Sprintf("list the tokens of service account %d under %s", a.ID, a.tokenParent()), resp, err)
		}
		for _, t := range ts {
			if t != nil && t.Active && t.UserID == a.ID && (name == "" || t.Name == name) {
				ids = append(ids, t.ID)
			}
		}
		page = resp.NextPage
	}
	return ids, nil
}

// reclaimServiceAccountTokens is Reclaim for service account tokens: it
// revokes the live tokens of the account named name (the label of a
// creation whose answer was lost) and says how many. An account that does
// not exist holds no token.
func (c *client) reclaimServiceAccountTokens(ctx context.Context, group, username, name string) (int, error) {
	if strings.TrimSpace(name) == "" {
		return 0, fmt.Errorf("gitlab: reclaim needs the token's name")
	}
	a, err := c.resolveServiceAccount(ctx, group, username)
	if isNotFoundError(err) {
		c.parentGone(TokenTypeServiceAccount, group+"/"+username, err)
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	ids, err := c.serviceAccountTokens(ctx, a, name)
	if isNotFoundError(err) {
		c.ids.forget(serviceAccountKey(group, username))
		c.parentGone(TokenTypeServiceAccount, group+"/"+username, err)
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		if err := c.revokeServiceAccountTokenByID(ctx, a, id); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}

// serviceAccountTokenStatus is Status for a service account token. A group
// Owner cannot read another user's token by id (GET
// /personal_access_tokens/:id is for the token's user and administrators),
// so a group account's token is looked for in the account's token list;
// an instance account's is read by id, as an administrator.
func (c *client) serviceAccountTokenStatus(ctx context.Context, h provider.Handle) (*provider.TokenStatus, error) {
	a, err := parseServiceAccountParent(h.Parent)
	if err != nil {
		return nil, err
	}
	if a.GroupID == 0 {
		t, resp, err := c.api.PersonalAccessTokens.GetSinglePersonalAccessTokenByID(h.ID, gitlab.WithContext(ctx))
		if isNotFound(resp, err) {
			return &provider.TokenStatus{}, nil
		}
		if err != nil {
			return nil, c.fail(fmt.Sprintf("read service account token %d under %s", h.ID, h.Parent), resp, err)
		}
		return &provider.TokenStatus{Active: t.Active, LastUsedAt: t.LastUsedAt}, nil
	}
	opt := &gitlab.ListServiceAccountPersonalAccessTokensOptions{ListOptions: gitlab.ListOptions{PerPage: 100}}
	if h.Name != "" {
		opt.Search = &h.Name
	}
	for page := int64(1); page > 0; {
		opt.Page = page
		ts, resp, err := c.api.Groups.ListServiceAccountPersonalAccessTokens(a.GroupID, a.ID, opt, gitlab.WithContext(ctx))
		if isNotFound(resp, err) {
			return &provider.TokenStatus{}, nil
		}
		if err != nil {
			return nil, c.fail(fmt.Sprintf("read service account token %d under %s", h.ID, h.Parent), resp, err)
		}
		for _, t := range ts {
			if t != nil && t.ID == h.ID {
				return &provider.TokenStatus{Active: t.Active, LastUsedAt: t.LastUsedAt}, nil
			}
		}
		page = resp.NextPage
	}
	return &provider.TokenStatus{}, nil
}
