package github

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// tokenUsername is what Git over HTTPS and registry logins pair with an
// installation token.
const tokenUsername = "x-access-token"

// discardTimeout bounds revoking a token whose answer was unusable, even
// when the request's own context has ended.
const discardTimeout = 30 * time.Second

// Issue implements provider.Client. In the steady state (cached JWT, cached
// installation id) it makes exactly one call:
// POST /app/installations/{id}/access_tokens. With req.Fresh, an owner's
// installation is looked up again first: an organization renamed within
// the cache's hour leaves its old login to whoever takes it next. A scope
// with repository patterns is expanded from the installation's repository
// list, kept a minute (repolist.go).
func (c *client) Issue(ctx context.Context, req provider.IssueRequest) (*provider.Token, error) {
	if err := checkTokenType(req.TokenType); err != nil {
		return nil, err
	}
	scope, err := scopeOf(req.Scope)
	if err != nil {
		return nil, err
	}
	if _, err := tokenOptions(scope); err != nil {
		return nil, err
	}
	id := scope.InstallationID
	byOwner := id == 0
	if byOwner && scope.Owner == "" {
		return nil, errors.New("the scope names neither owner nor installation_id")
	}
	if byOwner {
		if req.Fresh {
			c.forgetInstallation(scope.Owner)
		}
		if id, err = c.installationID(ctx, scope.Owner); err != nil {
			return nil, err
		}
	}
	if hasPatterns(scope.Repositories) {
		var installed []string
		installed, err = c.installationRepos(ctx, id)
		if byOwner && statusOf(err) == http.StatusNotFound {
			c.forgetInstallation(scope.Owner)
			if id, err = c.installationID(ctx, scope.Owner); err != nil {
				return nil, err
			}
			installed, err = c.installationRepos(ctx, id)
		}
		if err != nil {
			return nil, err
		}
		if scope.Repositories, err = expandPatterns(scope.Repositories, scope.RepositoryIDs, installed); err != nil {
			return nil, err
		}
	}
	body, err := tokenOptions(scope)
	if err != nil {
		return nil, err
	}
	raw, err := c.createToken(ctx, id, body)
	if byOwner && statusOf(err) == http.StatusNotFound {
		// The cached id is stale (the App was reinstalled). A 404 minted
		// nothing, so asking again is safe.
		c.logger.Debug("installation id refused, looking it up again", "owner", scope.Owner, "installation_id", id)
		c.forgetInstallation(scope.Owner)
		if id, err = c.installationID(ctx, scope.Owner); err != nil {
			return nil, err
		}
		raw, err = c.createToken(ctx, id, body)
	}
	if err != nil {
		return nil, err
	}
	return c.readToken(ctx, raw, id, scope)
}

// tokenRequest is the body of POST /app/installations/{id}/access_tokens.
// It is our own type rather than go-github's InstallationTokenOptions,
// whose permissions struct lags GitHub and silently drops newer names.
type tokenRequest struct {
	Repositories  []string          `json:"repositories,omitempty"`
	RepositoryIDs []int64           `json:"repository_ids,omitempty"`
	Permissions   map[string]string `json:"permissions,omitempty"`
}

// tokenOptions is the request body: only the fields the scope sets, so an
// empty scope asks for the installation's full access.
func tokenOptions(s Scope) (*tokenRequest, error) {
	for name, level := range s.Permissions {
		if _, _, err := checkPermission(name, level); err != nil {
			return nil, err
		}
	}
	ids, err := repositoryIDNumbers(s.RepositoryIDs)
	if err != nil {
		return nil, err
	}
	return &tokenRequest{Repositories: s.Repositories, RepositoryIDs: ids, Permissions: s.Permissions}, nil
}

func (c *client) createToken(ctx context.Context, id int64, body *tokenRequest) ([]byte, error) {
	var raw bytes.Buffer
	err := c.asApp(ctx, "create an installation token", http.MethodPost,
		fmt.Sprintf("app/installations/%d/access_tokens", id), body, &raw)
	if err != nil {
		return nil, err
	}
	return raw.Bytes(), nil
}

// createdToken is the part of GitHub's answer kept: repository names, not
// the full repository objects.
type createdToken struct {
	ExpiresAt    string            `json:"expires_at"`
	Permissions  map[string]string `json:"permissions"`
	Repositories []struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"repositories"`
}

// readToken turns GitHub's answer into a Token. Once a token has been read
// out of it, any later problem revokes that token before returning, so an
// unusable answer never leaves a live token no lease tracks.
func (c *client) readToken(ctx context.Context, raw []byte, id int64, asked Scope) (*provider.Token, error) {
	var head struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(raw, &head); err != nil || head.Token == "" {
		return nil, errors.New("create an installation token: GitHub's answer holds no token")
	}
	var body createdToken
	if err := json.Unmarshal(raw, &body); err != nil {
		return nil, c.discard(ctx, head.Token, errors.New("create an installation token: GitHub's answer is not readable"))
	}
	expires, err := time.Parse(time.RFC3339, body.ExpiresAt)
	if err != nil {
		return nil, c.discard(ctx, head.Token, fmt.Errorf("create an installation token: GitHub's answer has no usable expires_at (%q)", body.ExpiresAt))
	}
	if !expires.After(c.now()) {
		return nil, c.discard(ctx, head.Token, fmt.Errorf("create an installation token: GitHub's answer expires at %s, which has passed", body.ExpiresAt))
	}

	got := Scope{
		Owner:          asked.Owner,
		InstallationID: id,
		Repositories:   asked.Repositories,
		RepositoryIDs:  asked.RepositoryIDs,
		Permissions:    asked.Permissions,
	}
	if len(body.Repositories) > 0 {
		got.Repositories = make([]string, 0, len(body.Repositories))
		ids := make([]int64, 0, len(body.Repositories))
		for _, r := range body.Repositories {
			got.Repositories = append(got.Repositories, r.Name)
			if r.ID > 0 {
				ids = append(ids, r.ID)
			}
		}
		slices.Sort(ids)
		got.RepositoryIDs = nil
		for _, id := range ids {
			got.RepositoryIDs = append(got.RepositoryIDs, strconv.FormatInt(id, 10))
		}
		// GitHub compares names case-insensitively; so does the order.
		slices.SortFunc(got.Repositories, func(a, b string) int {
			return strings.Compare(strings.ToLower(a), strings.ToLower(b))
		})
	}
	if len(body.Permissions) > 0 {
		got.Permissions = body.Permissions
	}
	pkg := got.Permissions["packages"]
	return &provider.Token{
		Token:     head.Token,
		Username:  tokenUsername,
		ExpiresAt: expires,
		Scope:     provider.Encode(got),
		Handle:    provider.Handle{TokenType: TokenTypeInstallation, Secret: head.Token},
		Registry:  pkg == levelRead || pkg == levelWrite,
	}, nil
}

// discard revokes a token that cannot be handed out, and returns cause
// (noting if the revoke failed too, as the token then lives until GitHub
// expires it).
func (c *client) discard(ctx context.Context, token string, cause error) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), discardTimeout)
	defer cancel()
	if err := c.revoke(ctx, token); err != nil {
		c.logger.Warn("could not revoke an installation token GitHub answered unusably", "error", err)
		return fmt.Errorf("%w; revoking the token also failed, so it lives until GitHub expires it: %v", cause, err)
	}
	return cause
}
