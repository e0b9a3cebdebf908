package gitlab

import (
	"context"
	"net/url"
	"strings"
	"sync"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// registryCache holds the container registry host a self-managed instance
// names in project JSON. GitLab builds container_registry_image_prefix
// from the instance's one registry (registry_external_url), so any project
// tells it for all; an absent prefix (registry switched off) is remembered
// too, so either answer costs at most one call per idCacheTTL.
type registryCache struct {
	now   func() time.Time
	mu    sync.Mutex
	host  string
	until time.Time
}

func (r *registryCache) get() (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.now().Before(r.until) {
		return "", false
	}
	return r.host, true
}

func (r *registryCache) put(host string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.host, r.until = host, r.now().Add(idCacheTTL)
}

// learnsRegistry reports whether tokens need the registry GitLab names:
// only when the operator named none and the instance is not gitlab.com,
// whose registry the backend knows.
func (c *client) learnsRegistry() bool {
	return c.registry != nil
}

// noteProject remembers the registry a project lookup named.
func (c *client) noteProject(p *gitlab.Project) {
	if c.learnsRegistry() && p != nil {
		c.registry.put(prefixHost(p.ContainerRegistryImagePrefix))
	}
}

// projectRegistry is the registry host for a token on parent p: the one
// GitLab names in the project's container_registry_image_prefix, from the
// lookup Issue already made where it made one, otherwise from one
// GET /projects/:id. Groups and users have no such field, so tokens on them
// get none. A failed lookup gives "" (no registry output) rather than
// failing the token.
func (c *client) projectRegistry(ctx context.Context, p parent) string {
	if !c.learnsRegistry() || p.kind != "projects" {
		return ""
	}
	if host, ok := c.registry.get(); ok {
		return host
	}
	project, resp, err := c.api.Projects.GetProject(p.id, nil, gitlab.WithContext(ctx))
	if err != nil {
		c.log.Warn("could not read the project's container registry; the token gets no registry output",
			"project_id", p.id, "error", c.fail("read the project", resp, err))
		return ""
	}
	c.noteProject(project)
	host, _ := c.registry.get()
	return host
}

// prefixHost is the host (with port) of a container_registry_image_prefix
// such as "registry.example.com/group/project", or "" when there is none
// or it is not a plain host.
func prefixHost(prefix string) string {
	host, _, _ := strings.Cut(strings.TrimSpace(prefix), "/")
	if host == "" || strings.HasSuffix(host, ":") || strings.ContainsAny(host, " \t\r\n@\\?#") {
		return ""
	}
	if u, err := url.Parse("//" + host); err != nil || u.Host != host {
		return ""
	}
	return strings.ToLower(host)
}
