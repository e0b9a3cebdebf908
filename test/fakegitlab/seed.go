package fakegitlab

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The Add methods set up a test's world. They panic on misuse (an unknown
// user or path, a duplicate name): that is a bug in the test, not a GitLab
// answer.

// AddUser adds a human user and returns its id.
func (s *Server) AddUser(username string, admin bool) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db.userByName(username) != nil {
		panic(fmt.Sprintf("fakegitlab: user %q already exists", username))
	}
	u := &user{id: s.db.newEntityID(), username: username, name: username, admin: admin, createdAt: s.now()}
	s.db.users[u.id] = u
	return u.id
}

// AddGroup adds a group, and its parents as needed ("acme/platform"), and
// returns its id. An existing group's id is returned as is.
func (s *Server) AddGroup(fullPath string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.db.ensureGroup(fullPath, s.now())
}

// AddProject adds a project; its namespace group is created as needed.
func (s *Server) AddProject(fullPath string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	namespace, name, ok := cutLast(fullPath)
	if !ok {
		panic(fmt.Sprintf("fakegitlab: project %q needs a group namespace", fullPath))
	}
	if s.db.projectByPath(fullPath) != nil || s.db.groupByPath(fullPath) != nil {
		panic(fmt.Sprintf("fakegitlab: path %q is taken", fullPath))
	}
	p := &project{
		id:        s.db.newEntityID(),
		path:      name,
		fullPath:  fullPath,
		groupID:   s.db.ensureGroup(namespace, s.now()),
		createdAt: s.now(),
	}
	s.db.projects[p.id] = p
	return p.id
}

// AddMember gives a user a role (10 Guest … 50 Owner) on a project or group.
func (s *Server) AddMember(fullPath string, userID int64, accessLevel int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.db.liveUser(userID) == nil {
		panic(fmt.Sprintf("fakegitlab: no user %d", userID))
	}
	res, ok := s.db.findResource("project", fullPath)
	if !ok {
		res, ok = s.db.findResource("group", fullPath)
	}
	if !ok {
		panic(fmt.Sprintf("fakegitlab: no project or group %q", fullPath))
	}
	s.db.setMember(res, userID, accessLevel)
}

// AddPersonalToken seeds a personal access token for a user, such as the
// engine's own connection token. A zero expiresAt never expires; otherwise
// the token dies at 00:00 UTC of expiresAt's UTC date. Seeded tokens, and the
// tokens rotated from them, are exempt from the leak check.
func (s *Server) AddPersonalToken(userID int64, name string, scopes []string, expiresAt time.Time) (token string, id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.db.seedPersonalToken(userID, name, scopes, expiresAt, "", s.now())
	return t.Token.Token, t.ID
}

func (db *store) seedPersonalToken(userID int64, name string, scopes []string, expiresAt time.Time, value string, now time.Time) *tokenRecord {
	u := db.liveUser(userID)
	if u == nil {
		panic(fmt.Sprintf("fakegitlab: no user %d", userID))
	}
	if value != "" && db.byValue[value] != nil {
		panic("fakegitlab: a seeded token value is used twice")
	}
	if !expiresAt.IsZero() {
		expiresAt = dateOf(expiresAt)
	}
	return db.addToken(&tokenRecord{
		Token: Token{
			Kind:      KindPersonal,
			Parent:    fmt.Sprintf("users/%d", u.id),
			UserID:    u.id,
			Username:  u.username,
			Name:      name,
			Scopes:    slices.Clone(scopes),
			ExpiresAt: expiresAt,
			Token:     value,
		},
		createdAt: now,
		seeded:    true,
	})
}

func (db *store) ensureGroup(fullPath string, now time.Time) int64 {
	if fullPath == "" {
		panic("fakegitlab: empty group path")
	}
	if g := db.groupByPath(fullPath); g != nil {
		return g.id
	}
	if db.projectByPath(fullPath) != nil {
		panic(fmt.Sprintf("fakegitlab: path %q is a project", fullPath))
	}
	var parentID int64
	parent, name, nested := cutLast(fullPath)
	if nested {
		parentID = db.ensureGroup(parent, now)
	}
	g := &group{id: db.newEntityID(), path: name, fullPath: fullPath, parentID: parentID, createdAt: now}
	db.groups[g.id] = g
	return g.id
}

// cutLast splits "a/b/c" into "a/b" and "c".
func cutLast(fullPath string) (parent, name string, ok bool) {
	i := strings.LastIndex(fullPath, "/")
	if i < 0 {
		return "", fullPath, false
	}
	return fullPath[:i], fullPath[i+1:], true
}

// DeleteProject removes a project as GitLab's final deletion does (a
// project still in its delayed-deletion period answers as before, and is
// not modelled): the API answers 404 for it, and its access tokens, their
// bot users and its deploy tokens go with it. GitLab deletes a project's
// resource access tokens with the project since gitlab-org/gitlab#434016;
// before that they lingered but could reach nothing.
func (s *Server) DeleteProject(fullPath string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.db.projectByPath(fullPath)
	if p == nil {
		panic(fmt.Sprintf("fakegitlab: no project %q", fullPath))
	}
	key := resource{kind: "project", id: p.id, fullPath: p.fullPath}.key()
	for _, t := range s.db.tokens {
		if t.Parent != key {
			continue
		}
		t.revoked, t.deleted = true, true
		if u := s.db.users[t.UserID]; u != nil && u.bot {
			u.deleted = true
		}
	}
	delete(s.db.members, key)
	delete(s.db.projects, p.id)
}

// RenameProject changes a project's path within its group, as GitLab's
// project settings (or PUT /projects/:id with path) do: its id, tokens and
// members stay, and the old path is free for a new project at once (GitLab
// keeps a redirect route for the old path only while no project takes it).
func (s *Server) RenameProject(fullPath, newName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.db.projectByPath(fullPath)
	if p == nil {
		panic(fmt.Sprintf("fakegitlab: no project %q", fullPath))
	}
	namespace, _, _ := cutLast(p.fullPath)
	if s.db.projectByPath(namespace+"/"+newName) != nil || s.db.groupByPath(namespace+"/"+newName) != nil {
		panic(fmt.Sprintf("fakegitlab: path %q is taken", namespace+"/"+newName))
	}
	p.path, p.fullPath = newName, namespace+"/"+newName
}
