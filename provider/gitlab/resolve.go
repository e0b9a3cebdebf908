package gitlab

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// idCacheTTL bounds how long a path stays resolved. Ids never change, but a
// path can move to another project after a rename; an hour keeps Issue at
// one call while a renamed path is picked up again soon enough. A create
// that answers 404 drops the entry at once.
const idCacheTTL = time.Hour

// parent is the numeric resource a token belongs to, as the revoke URL
// needs it: "projects/12", "groups/3" or "users/5".
type parent struct {
	kind string // "projects", "groups" or "users"
	id   int64
	// username is GitLab's spelling of a user's name (users only).
	username string
}

func (p parent) String() string { return p.kind + "/" + strconv.FormatInt(p.id, 10) }

// parseParent reads a Handle's Parent back.
func parseParent(s string) (parent, error) {
	kind, id, ok := strings.Cut(s, "/")
	n, err := strconv.ParseInt(id, 10, 64)
	if !ok || err != nil || n <= 0 || (kind != "projects" && kind != "groups" && kind != "users") {
		return parent{}, fmt.Errorf("token handle has no valid parent (%q)", s)
	}
	return parent{kind: kind, id: n}, nil
}

// idCache remembers resolved paths for one client.
type idCache struct {
	now     func() time.Time
	mu      sync.Mutex
	entries map[string]cachedParent
}

type cachedParent struct {
	parent parent
	until  time.Time
}

func newIDCache(now func() time.Time) *idCache {
	return &idCache{now: now, entries: map[string]cachedParent{}}
}

func cacheKey(tokenType, path string) string {
	return tokenType + "\x00" + strings.ToLower(path)
}

func (c *idCache) get(key string) (parent, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.entries[key]
	if !ok || !c.now().Before(e.until) {
		return parent{}, false
	}
	return e.parent, true
}

func (c *idCache) put(key string, p parent) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.entries[key] = cachedParent{parent: p, until: c.now().Add(idCacheTTL)}
}

func (c *idCache) forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, key)
}

// resolveParent finds the numeric owner of the tokens a role's path asks
// for, from the cache when it can. A numeric project or group path needs no
// call. A deploy path is looked up as a project first and as a group when
// no project has it: full paths are unique across both, but numeric ids are
// not, so a numeric deploy path always means the project with that id (name
// a group deploy role by its full path).
func (c *client) resolveParent(ctx context.Context, tokenType, path string) (parent, error) {
	if id, ok := numericID(path); ok {
		switch tokenType {
		case TokenTypeProject:
			return parent{kind: "projects", id: id}, nil
		case TokenTypeGroup:
			return parent{kind: "groups", id: id}, nil
		}
	}
	key := cacheKey(tokenType, path)
	if p, ok := c.ids.get(key); ok {
		return p, nil
	}
	var p parent
	var err error
	switch tokenType {
	case TokenTypeProject:
		p, err = c.lookupProject(ctx, path)
	case TokenTypeGroup:
		p, err = c.lookupGroup(ctx, path)
	case TokenTypeDeploy:
		p, err = c.lookupProject(ctx, path)
		if isNotFoundError(err) {
			p, err = c.lookupGroup(ctx, path)
		}
	case TokenTypePersonal:
		p, err = c.lookupUser(ctx, path)
	default:
		err = fmt.Errorf("token_type %q does not exist on gitlab", tokenType)
	}
	if err != nil {
		return parent{}, err
	}
	c.ids.put(key, p)
	return p, nil
}

func (c *client) lookupProject(ctx context.Context, path string) (parent, error) {
	project, resp, err := c.api.Projects.GetProject(path, nil, gitlab.WithContext(ctx))
	if err != nil {
		return parent{}, c.fail(fmt.Sprintf("find project %q", path), resp, err)
	}
	c.noteProject(project)
	return parent{kind: "projects", id: project.ID}, nil
}

func (c *client) lookupGroup(ctx context.Context, path string) (parent, error) {
	opt := &gitlab.GetGroupOptions{WithProjects: gitlab.Ptr(false)}
	group, resp, err := c.api.Groups.GetGroup(path, opt, gitlab.WithContext(ctx))
	if err != nil {
		return parent{}, c.fail(fmt.Sprintf("find group %q", path), resp, err)
	}
	return parent{kind: "groups", id: group.ID}, nil
}

// lookupUser finds a user by username (GET /users?username=), which GitLab
// matches case-insensitively.
func (c *client) lookupUser(ctx context.Context, username string) (parent, error) {
	users, resp, err := c.api.Users.ListUsers(&gitlab.ListUsersOptions{Username: gitlab.Ptr(username)}, gitlab.WithContext(ctx))
	if err != nil {
		return parent{}, c.fail(fmt.Sprintf("find user %q", username), resp, err)
	}
	for _, u := range users {
		if u != nil && u.ID > 0 && strings.EqualFold(u.Username, username) {
			return parent{kind: "users", id: u.ID, username: u.Username}, nil
		}
	}
	return parent{}, notFound(fmt.Sprintf("gitlab: find user %q: no such user", username))
}
