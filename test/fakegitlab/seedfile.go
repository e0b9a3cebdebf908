package fakegitlab

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"
)

// Seed describes a world to load at start-up, as the standalone binary's
// -seed file does:
//
//	{
//	  "users":    [{"username": "root", "admin": true}, {"username": "alice"}],
//	  "groups":   ["acme/platform"],
//	  "projects": ["acme/app"],
//	  "members":  [{"path": "acme/app", "username": "alice", "access_level": 40}],
//	  "tokens":   [{"username": "root", "name": "engine", "scopes": ["api"],
//	                "expires_at": "2030-01-01", "token": "glpat-example"}]
//	}
type Seed struct {
	Users    []SeedUser   `json:"users"`
	Groups   []string     `json:"groups"`
	Projects []string     `json:"projects"`
	Members  []SeedMember `json:"members"`
	Tokens   []SeedToken  `json:"tokens"`
}

// SeedUser is a user to create.
type SeedUser struct {
	Username string `json:"username"`
	Admin    bool   `json:"admin"`
}

// SeedMember is a role on a project or group.
type SeedMember struct {
	Path        string `json:"path"`
	Username    string `json:"username"`
	AccessLevel int    `json:"access_level"`
}

// SeedToken is a personal access token with a known value.
type SeedToken struct {
	Username  string   `json:"username"`
	Name      string   `json:"name"`
	Scopes    []string `json:"scopes"`
	ExpiresAt string   `json:"expires_at"` // YYYY-MM-DD; empty never expires
	Token     string   `json:"token"`
}

// LoadSeed reads a seed file.
func LoadSeed(path string) (Seed, error) {
	var seed Seed
	data, err := os.ReadFile(path)
	if err != nil {
		return seed, err
	}
	if err := json.Unmarshal(data, &seed); err != nil {
		return seed, fmt.Errorf("parse seed %s: %w", path, err)
	}
	return seed, nil
}

// ApplySeed creates what the seed describes, in order: users, groups,
// projects, memberships, tokens.
func (s *Server) ApplySeed(seed Seed) (err error) {
	// The Add methods panic on a test's misuse; from a file it is an error.
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("apply seed: %v", r)
		}
	}()
	ids := map[string]int64{}
	for _, u := range seed.Users {
		ids[u.Username] = s.AddUser(u.Username, u.Admin)
	}
	for _, g := range seed.Groups {
		s.AddGroup(g)
	}
	for _, p := range seed.Projects {
		s.AddProject(p)
	}
	for _, m := range seed.Members {
		id, ok := ids[m.Username]
		if !ok {
			return fmt.Errorf("apply seed: member %q is not a seeded user", m.Username)
		}
		s.AddMember(m.Path, id, m.AccessLevel)
	}
	for _, t := range seed.Tokens {
		if err := s.seedToken(ids, t); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) seedToken(ids map[string]int64, t SeedToken) error {
	id, ok := ids[t.Username]
	if !ok {
		return fmt.Errorf("apply seed: token owner %q is not a seeded user", t.Username)
	}
	if t.Token == "" {
		return errors.New("apply seed: a seeded token needs its value")
	}
	var expires time.Time
	if t.ExpiresAt != "" {
		d, ok := parseDate(t.ExpiresAt)
		if !ok {
			return fmt.Errorf("apply seed: token %q: bad expires_at %q", t.Name, t.ExpiresAt)
		}
		expires = d
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.db.seedPersonalToken(id, t.Name, t.Scopes, expires, t.Token, s.now())
	return nil
}
