package fakegitlab

import (
	"slices"
	"strings"
)

// JSON shapes of GitLab's API entities (lib/api/entities), field for field
// as far as the plugin can care. Structs keep GitLab's field order.

type userEntity struct {
	ID        int64   `json:"id"`
	Username  string  `json:"username"`
	Name      string  `json:"name"`
	State     string  `json:"state"`
	Locked    bool    `json:"locked"`
	AvatarURL *string `json:"avatar_url"`
	WebURL    string  `json:"web_url"`
	CreatedAt string  `json:"created_at"`
	Bot       bool    `json:"bot"`
	IsAdmin   *bool   `json:"is_admin,omitempty"` // shown to administrators only
}

func (c *call) userEntity(u *user) userEntity {
	e := userEntity{
		ID:        u.id,
		Username:  u.username,
		Name:      u.name,
		State:     "active",
		WebURL:    c.webURL(u.username),
		CreatedAt: formatTime(u.createdAt),
		Bot:       u.bot || u.serviceAccount, // service_account is in GitLab's BOT_USER_TYPES
	}
	if c.user.admin {
		admin := u.admin
		e.IsAdmin = &admin
	}
	return e
}

// accessTokenEntity covers PersonalAccessToken, ...WithToken,
// ...WithLastUsedIps and ResourceAccessToken(WithToken).
type accessTokenEntity struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	Revoked      bool      `json:"revoked"`
	CreatedAt    string    `json:"created_at"`
	Description  *string   `json:"description"`
	Scopes       []string  `json:"scopes"`
	UserID       int64     `json:"user_id"`
	LastUsedAt   *string   `json:"last_used_at"`
	Active       bool      `json:"active"`
	ExpiresAt    *string   `json:"expires_at"`
	LastUsedIPs  *[]string `json:"last_used_ips,omitempty"`
	AccessLevel  *int      `json:"access_level,omitempty"`
	ResourceType string    `json:"resource_type,omitempty"`
	ResourceID   int64     `json:"resource_id,omitempty"`
	Token        string    `json:"token,omitempty"`
}

// entity options: which of GitLab's variants to present.
const (
	withToken = 1 << iota
	withLastUsedIPs
	asResourceToken
)

func (c *call) accessTokenEntity(t *tokenRecord, variant int) accessTokenEntity {
	now := c.s.now()
	e := accessTokenEntity{
		ID:        t.ID,
		Name:      t.Name,
		Revoked:   t.revoked,
		CreatedAt: formatTime(t.createdAt),
		Scopes:    slices.Clone(t.Scopes),
		UserID:    t.UserID,
		Active:    !t.revoked && !t.expired(now),
	}
	if t.Description != "" {
		d := t.Description
		e.Description = &d
	}
	if t.LastUsedAt != nil {
		at := formatTime(*t.LastUsedAt)
		e.LastUsedAt = &at
	}
	if !t.ExpiresAt.IsZero() {
		d := formatDate(t.ExpiresAt)
		e.ExpiresAt = &d
	}
	if variant&withLastUsedIPs != 0 {
		e.LastUsedIPs = &[]string{}
	}
	if variant&asResourceToken != 0 {
		level := t.AccessLevel
		e.AccessLevel = &level
		if res, ok := c.s.db.resourceByKey(t.Parent); ok {
			e.ResourceType, e.ResourceID = res.kind, res.id
		}
	}
	if variant&withToken != 0 {
		e.Token = t.Token.Token
	}
	return e
}

type deployTokenEntity struct {
	ID        int64    `json:"id"`
	Name      string   `json:"name"`
	Username  string   `json:"username"`
	ExpiresAt *string  `json:"expires_at"`
	Scopes    []string `json:"scopes"`
	Revoked   bool     `json:"revoked"`
	Expired   bool     `json:"expired"`
	Token     string   `json:"token,omitempty"`
}

func (c *call) deployTokenEntity(t *tokenRecord, showToken bool) deployTokenEntity {
	e := deployTokenEntity{
		ID:       t.ID,
		Name:     t.Name,
		Username: t.Username,
		Scopes:   slices.Clone(t.Scopes),
		Revoked:  t.revoked,
		// GitLab's expired? compares with today's date, not the instant, so
		// a token that stopped working this morning still says false.
		Expired: !t.ExpiresAt.IsZero() && t.ExpiresAt.Before(dateOf(c.s.now())),
	}
	if !t.ExpiresAt.IsZero() {
		at := formatTime(t.ExpiresAt)
		e.ExpiresAt = &at
	}
	if showToken {
		e.Token = t.Token.Token
	}
	return e
}

type namespaceEntity struct {
	ID        int64   `json:"id"`
	Name      string  `json:"name"`
	Path      string  `json:"path"`
	Kind      string  `json:"kind"`
	FullPath  string  `json:"full_path"`
	ParentID  *int64  `json:"parent_id"`
	AvatarURL *string `json:"avatar_url"`
	WebURL    string  `json:"web_url"`
}

type accessEntity struct {
	AccessLevel       int `json:"access_level"`
	NotificationLevel int `json:"notification_level"`
}

type permissionsEntity struct {
	ProjectAccess *accessEntity `json:"project_access"`
	GroupAccess   *accessEntity `json:"group_access"`
}

type projectEntity struct {
	ID                     int64             `json:"id"`
	Description            string            `json:"description"`
	Name                   string            `json:"name"`
	NameWithNamespace      string            `json:"name_with_namespace"`
	Path                   string            `json:"path"`
	PathWithNamespace      string            `json:"path_with_namespace"`
	CreatedAt              string            `json:"created_at"`
	DefaultBranch          string            `json:"default_branch"`
	HTTPURLToRepo          string            `json:"http_url_to_repo"`
	WebURL                 string            `json:"web_url"`
	Namespace              namespaceEntity   `json:"namespace"`
	Archived               bool              `json:"archived"`
	Visibility             string            `json:"visibility"`
	ContainerRegistryImage string            `json:"container_registry_image_prefix,omitempty"`
	Permissions            permissionsEntity `json:"permissions"`
}

func (c *call) projectEntity(p *project) projectEntity {
	g := c.s.db.groups[p.groupID]
	res := resource{kind: "project", id: p.id, fullPath: p.fullPath}
	var perms permissionsEntity
	if level := c.s.db.members[res.key()][c.user.id]; level > 0 {
		perms.ProjectAccess = &accessEntity{AccessLevel: level, NotificationLevel: 3}
	}
	if level := c.s.db.memberLevel(c.user.id, resource{kind: "group", id: g.id}); level > 0 {
		perms.GroupAccess = &accessEntity{AccessLevel: level, NotificationLevel: 3}
	}
	return projectEntity{
		ID:                     p.id,
		Name:                   p.path,
		NameWithNamespace:      strings.ReplaceAll(p.fullPath, "/", " / "),
		Path:                   p.path,
		PathWithNamespace:      p.fullPath,
		CreatedAt:              formatTime(p.createdAt),
		DefaultBranch:          "main",
		HTTPURLToRepo:          c.webURL(p.fullPath) + ".git",
		WebURL:                 c.webURL(p.fullPath),
		Namespace:              c.namespaceEntity(g),
		Visibility:             "private",
		ContainerRegistryImage: c.registryImagePrefix(p),
		Permissions:            perms,
	}
}

// registryImagePrefix is a project's container_registry_image_prefix.
// GitLab's project entity (lib/api/entities/project.rb, added in MR 54090)
// exposes it only when the instance's registry is enabled
// (Gitlab.config.registry.enabled), as the registry's host_port followed by
// the project's full path in lower case (ContainerRegistry::Path).
func (c *call) registryImagePrefix(p *project) string {
	if c.s.registry.RegistryDisabled {
		return ""
	}
	host := c.s.registry.RegistryHost
	if host == "" {
		host = c.r.Host
	}
	return host + "/" + strings.ToLower(p.fullPath)
}

func (c *call) namespaceEntity(g *group) namespaceEntity {
	return namespaceEntity{
		ID:       g.id,
		Name:     g.path,
		Path:     g.path,
		Kind:     "group",
		FullPath: g.fullPath,
		ParentID: optionalID(g.parentID),
		WebURL:   c.webURL("groups/" + g.fullPath),
	}
}

type groupEntity struct {
	ID          int64  `json:"id"`
	WebURL      string `json:"web_url"`
	Name        string `json:"name"`
	Path        string `json:"path"`
	Description string `json:"description"`
	Visibility  string `json:"visibility"`
	FullName    string `json:"full_name"`
	FullPath    string `json:"full_path"`
	ParentID    *int64 `json:"parent_id"`
	CreatedAt   string `json:"created_at"`
}

func (c *call) groupEntity(g *group) groupEntity {
	return groupEntity{
		ID:         g.id,
		WebURL:     c.webURL("groups/" + g.fullPath),
		Name:       g.path,
		Path:       g.path,
		Visibility: "private",
		FullName:   strings.ReplaceAll(g.fullPath, "/", " / "),
		FullPath:   g.fullPath,
		ParentID:   optionalID(g.parentID),
		CreatedAt:  formatTime(g.createdAt),
	}
}

func optionalID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}

// webURL is a page of the instance the request reached.
func (c *call) webURL(path string) string {
	scheme := "http"
	if c.r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + c.r.Host + "/" + path
}
