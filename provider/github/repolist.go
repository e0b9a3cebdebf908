package github

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"
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
	// repoListTimeout bounds one fetch, which outlives the request that
	// started it when others wait on it too.
	repoListTimeout = time.Minute
)

type repoList struct {
	names   []string
	expires time.Time
}

// installationRepos returns the names of the repositories installation id
// reaches, from the cache when it is fresh.
func (c *client) installationRepos(ctx context.Context, id int64) ([]string, error) {
	if names, ok := c.cachedRepos(id); ok {
		return names, nil
	}
	// Requests that find the list missing together share one fetch, so a
	// burst on a cold cache costs one listing token, not one each.
	v, err, _ := c.repoListFetch.Do(strconv.FormatInt(id, 10), func() (any, error) {
		if names, ok := c.cachedRepos(id); ok {
			return names, nil // stored by a fetch that just ended
		}
		// The fetch serves every waiter, so one waiter giving up must not
		// end it; it is bounded on its own instead.
		fetchCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), repoListTimeout)
		defer cancel()
		names, err := c.fetchInstallationRepos(fetchCtx, id)
		if err != nil {
			return nil, err
		}
		c.storeRepos(id, names)
		return names, nil
	})
	if err != nil {
		return nil, err
	}
	return v.([]string), nil
}

func (c *client) cachedRepos(id int64) ([]string, bool) {
	c.installMu.Lock()
	defer c.installMu.Unlock()
	l, ok := c.repoLists[id]
	if !ok || !c.now().Before(l.expires) {
		return nil, false
	}
	return l.names, true
}

func (c *client) storeRepos(id int64, names []string) {
	c.installMu.Lock()
	defer c.installMu.Unlock()
	// Drop expired lists as we go, so installations no role uses any
	// more do not pile up.
	now := c.now()
	for k, l := range c.repoLists {
		if !now.Before(l.expires) {
			delete(c.repoLists, k)
		}
	}
	c.repoLists[id] = repoList{names: names, expires: now.Add(repoListTTL)}
}

func (c *client) fetchInstallationRepos(ctx context.Context, id int64) ([]string, error) {
	body := &tokenRequest{Permissions: map[string]string{"metadata": levelRead}}
	raw, err := c.createToken(ctx, id, body)
	if err != nil {
		return nil, fmt.Errorf("list the installation's repositories: %w", err)
	}
	tok, err := c.readToken(ctx, raw, id, Scope{Permissions: body.Permissions})
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
