package fakegitea

import (
	"crypto/rand"
	"encoding/hex"
	"strings"
	"time"
)

type user struct {
	id       int64
	login    string
	password string
	admin    bool
	// mustChange is set by an admin's must_change_password: true.
	mustChange bool
}

type repo struct {
	id      int64
	owner   string
	name    string
	private bool
	// collaborators may read the repository, and write it.
	collaborators []string
}

func (r *repo) fullName() string { return r.owner + "/" + r.name }

type token struct {
	id       int64
	uid      int64
	name     string
	value    string
	scopes   []string // as normalised
	repos    []*repo  // nil: unrestricted
	created  time.Time
	lastUsed time.Time
	deleted  bool
	seeded   bool
}

type store struct {
	nextID int64
	users  []*user
	repos  []*repo
	tokens []*token
}

func newStore() *store { return &store{nextID: 1} }

func (db *store) id() int64 {
	db.nextID++
	return db.nextID
}

func (db *store) userByLogin(login string) *user {
	for _, u := range db.users {
		if strings.EqualFold(u.login, login) {
			return u
		}
	}
	return nil
}

func (db *store) userByID(id int64) *user {
	for _, u := range db.users {
		if u.id == id {
			return u
		}
	}
	return nil
}

func (db *store) repo(owner, name string) *repo {
	for _, r := range db.repos {
		if strings.EqualFold(r.owner, owner) && strings.EqualFold(r.name, name) {
			return r
		}
	}
	return nil
}

func (db *store) tokenByValue(v string) *token {
	for _, t := range db.tokens {
		if !t.deleted && t.value == v {
			return t
		}
	}
	return nil
}

func newTokenValue() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// AddUser adds a user who signs in with password.
func (s *Server) AddUser(login, password string, admin bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.db.users = append(s.db.users, &user{id: s.db.id(), login: login, password: password, admin: admin})
}

// AddRepo adds a repository owned by owner (a user or an organisation);
// collaborators, and owner when it is a user, can read and write it.
func (s *Server) AddRepo(owner, name string, private bool, collaborators ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.db.repos = append(s.db.repos, &repo{id: s.db.id(), owner: owner, name: name, private: private, collaborators: collaborators})
}

// Password is the user's current password (to follow a rotation).
func (s *Server) Password(login string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.db.userByLogin(login); u != nil {
		return u.password
	}
	return ""
}

// LiveTokens counts the user's live tokens.
func (s *Server) LiveTokens(login string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.db.userByLogin(login)
	n := 0
	for _, t := range s.db.tokens {
		if u != nil && t.uid == u.id && !t.deleted {
			n++
		}
	}
	return n
}

// SeedToken creates a live token for login outside the API (exempt from
// the leak check) and returns its value.
func (s *Server) SeedToken(login, name string, scopes ...string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.db.userByLogin(login)
	norm, _ := normalizeScopes(scopes)
	t := &token{id: s.db.id(), uid: u.id, name: name, value: newTokenValue(), scopes: norm, created: s.now(), seeded: true}
	s.db.tokens = append(s.db.tokens, t)
	return t.value
}

// RenameUser renames a user, as a site admin's POST
// /admin/users/{username}/rename does: its id, password and tokens stay.
func (s *Server) RenameUser(login, newLogin string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if u := s.db.userByLogin(login); u != nil {
		u.login = newLogin
	}
}
