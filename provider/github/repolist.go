package github

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// The installation's repository list, for expanding a role's repository
// patterns. GitHub lists it only to an installation token
// (GET /installation/repositories), so fetching it costs a token of its
// own: one with metadata=read only, revoked as soon as the list is read.
// The list is kept a minute per installation, so a busy pattern role
// still costs one call per token, and a repository created or removed is
// seen within a minute.

const (
	repoListTTL = time.Minute
	// repoListPageSize is GitHub's largest page; repoListMaxPages bounds
	// the walk (100,000 repositories).
	repoListPageSize = 100
	repoListMaxPages = 1000
)

type repoList struct {
	names   []string
	expires time.Time
}

// installationRepos returns the names of the repositories installation id
// reaches, from the cache when it is fresh.
func (c *client) installationRepos(ctx context.Context, id int64) ([]string, error) {
	c.installMu.Lock()
	cached, ok := c.repoLists[id]
	c.installMu.Unlock()
	if ok && c.now().Before(cached.expires) {
		return cached.names, nil
	}
	names, err := c.fetchInstallationRepos(ctx, id)
	if err != nil {
		return nil, err
	}
	c.installMu.Lock()
	defer c.installMu.Unlock()
	now := c.now()
	for k, l := range c.repoLists {
		if !now.Before(l.expires) {
			delete(c.repoLists, k)
		}
	}
	c.repoLists[id] = repoList{names: names, expires: now.Add(repoListTTL)}
	return names, nil
}

func (c *client) fetchInstallationRepos(ctx context.Context, id int64) ([]string, error) {
	body := &tokenRequest{Permissions: map[string]string{"metadata": levelRead}}
	raw, err := c.createToken(ctx, id, body)
	if err != nil {
		return nil, fmt.Errorf("list the installation's repositories: %w", err)
	}
	tok, err := c.readToken(ctx, raw, id, provider.Scope{Permissions: body.Permissions})
	if err != nil {
		return nil, fmt.Errorf("list the installation's repositories: %w", err)
	}
	names, listErr := c.listRepos(ctx, tok.Token)
	revokeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), discardTimeout)
	defer cancel()
	if err := c.revoke(revokeCtx, tok.Token); err != nil {
		c.logger.Warn("could not revoke the token that listed an installation's repositories; it lives until GitHub expires it", "installation_id", id, "error", err)
	}
	if listErr != nil {
		return nil, listErr
	}
	return names, nil
}

// listRepos walks GET /installation/repositories with token.
func (c *client) listRepos(ctx context.Context, token string) ([]string, error) {
	var names []string
	for page := 1; page <= repoListMaxPages; page++ {
		var body struct {
			TotalCount   int `json:"total_count"`
			Repositories []struct {
				Name string `json:"name"`
			} `json:"repositories"`
		}
		err := c.do(ctx, "list the installation's repositories", http.MethodGet,
			fmt.Sprintf("installation/repositories?per_page=%d&page=%d", repoListPageSize, page), nil, token, &body)
		if err != nil {
			return nil, err
		}
		for _, r := range body.Repositories {
			names = append(names, r.Name)
		}
		if len(body.Repositories) < repoListPageSize || len(names) >= body.TotalCount {
			return names, nil
		}
	}
	return nil, fmt.Errorf("list the installation's repositories: more than %d pages", repoListMaxPages)
}
