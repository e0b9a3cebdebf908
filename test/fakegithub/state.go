package fakegithub

import (
	"crypto/rsa"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// App is a GitHub App registered on the fake.
type App struct {
	ID       int64
	ClientID string // accepted as JWT `iss` besides the ID; may be empty
	Slug     string // "": derived from the ID
	Name     string // "": derived from the ID
	Owner    string // login of the account that registered the App; "": "app-owner"
}

// Installation is an App's installation on an account.
type Installation struct {
	ID          int64  // 0: assigned
	AppID       int64  // must name an App added earlier
	Account     string // login, e.g. "acme"
	AccountType string // "Organization" (the default) or "User"
	// Repositories are the repository names (without owner) the installation
	// was granted; nil means repository_selection "all", over AllRepos.
	Repositories []string
	// AllRepos are the repositories the account owns. Names in Repositories
	// are added to it.
	AllRepos []string
	// Permissions are what the App was granted here, e.g.
	// {"contents": "write", "metadata": "read"}.
	Permissions map[string]string
}

// state is everything the fake remembers. It is guarded by Server.mu.
type state struct {
	apps          map[int64]*appState
	installations map[int64]*installationState
	tokens        map[string]*tokenState
	tokenSeq      int64
	deployKeys    []DeployKey
	nextInstallID int64
	// Accounts and repositories get stable numeric IDs on first sight,
	// keyed by lower-cased login and lower-cased "owner/name".
	accountIDs map[string]int64
	repoIDs    map[string]int64
	nextID     int64
}

type appState struct {
	App
	keys      []*rsa.PublicKey
	createdAt time.Time
}

type installationState struct {
	Installation
	accountID int64
	createdAt time.Time
}

func newState() state {
	return state{
		apps:          map[int64]*appState{},
		installations: map[int64]*installationState{},
		tokens:        map[string]*tokenState{},
		nextInstallID: 1000,
		accountIDs:    map[string]int64{},
		repoIDs:       map[string]int64{},
		nextID:        500000,
	}
}

// AddApp registers an App with the public keys GitHub accepts for it.
// Adding an App that exists replaces it.
func (s *Server) AddApp(app App, keys ...*rsa.PublicKey) {
	if app.ID <= 0 {
		panic("fakegithub: AddApp needs a positive App ID")
	}
	if app.Slug == "" {
		app.Slug = fmt.Sprintf("app-%d", app.ID)
	}
	if app.Name == "" {
		app.Name = fmt.Sprintf("App %d", app.ID)
	}
	if app.Owner == "" {
		app.Owner = "app-owner"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state.apps[app.ID] = &appState{App: app, keys: slices.Clone(keys), createdAt: s.now().UTC()}
}

// SetAppKeys replaces the keys GitHub accepts for an App, as an operator
// deleting or adding keys in GitHub's UI would. Issued tokens stay valid.
func (s *Server) SetAppKeys(appID int64, keys ...*rsa.PublicKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	app, ok := s.state.apps[appID]
	if !ok {
		panic(fmt.Sprintf("fakegithub: SetAppKeys for unknown App %d", appID))
	}
	app.keys = slices.Clone(keys)
}

// AddInstallation installs an App on an account and returns the
// installation ID. An installation with the same ID is replaced.
func (s *Server) AddInstallation(in Installation) int64 {
	if in.Account == "" {
		panic("fakegithub: AddInstallation needs an Account")
	}
	if in.AccountType == "" {
		in.AccountType = "Organization"
	}
	if in.AccountType != "Organization" && in.AccountType != "User" {
		panic("fakegithub: AccountType must be Organization or User")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.state.apps[in.AppID]; !ok {
		panic(fmt.Sprintf("fakegithub: AddInstallation for unknown App %d", in.AppID))
	}
	if in.ID == 0 {
		s.state.nextInstallID++
		in.ID = s.state.nextInstallID
	}
	in.Permissions = maps.Clone(in.Permissions)
	in.AllRepos = slices.Clone(in.AllRepos)
	if in.Repositories != nil {
		in.Repositories = slices.Clone(in.Repositories)
		for _, name := range in.Repositories {
			if !containsFold(in.AllRepos, name) {
				in.AllRepos = append(in.AllRepos, name)
			}
		}
	}
	for _, name := range in.AllRepos {
		s.state.repoID(in.Account, name)
	}
	s.state.installations[in.ID] = &installationState{
		Installation: in,
		accountID:    s.state.accountID(in.Account),
		createdAt:    s.now().UTC(),
	}
	return in.ID
}

// RemoveInstallation uninstalls: lookups 404 and the installation's tokens
// stop working.
func (s *Server) RemoveInstallation(id int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.state.installations, id)
	for _, tok := range s.state.tokens {
		if tok.InstallationID == id {
			tok.revoked = true
		}
	}
}

// RepositoryID is the ID the fake gave a repository ("owner/name",
// case-insensitive), for requests by repository_ids; 0 if it has none.
func (s *Server) RepositoryID(fullName string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.state.repoIDs[strings.ToLower(fullName)]
}

func (st *state) accountID(login string) int64 {
	key := strings.ToLower(login)
	if id, ok := st.accountIDs[key]; ok {
		return id
	}
	st.nextID++
	st.accountIDs[key] = st.nextID
	return st.nextID
}

func (st *state) repoID(owner, name string) int64 {
	key := strings.ToLower(owner + "/" + name)
	if id, ok := st.repoIDs[key]; ok {
		return id
	}
	st.nextID++
	st.repoIDs[key] = st.nextID
	return st.nextID
}

// reachable is the repositories the installation can reach now.
func (in *installationState) reachable() []string {
	if in.Repositories == nil {
		return in.AllRepos
	}
	return in.Repositories
}

func (in *installationState) selection() string {
	if in.Repositories == nil {
		return "all"
	}
	return "selected"
}

// findRepo returns the canonical spelling of name among repos; GitHub
// repository names are case-insensitive.
func findRepo(repos []string, name string) (string, bool) {
	for _, r := range repos {
		if strings.EqualFold(r, name) {
			return r, true
		}
	}
	return "", false
}

func containsFold(list []string, s string) bool {
	_, ok := findRepo(list, s)
	return ok
}

// RenameAccount changes an account's login, as renaming a GitHub
// organization or user does: its id, installations and repositories stay,
// and the old login is free for another account at once (GitHub keeps no
// redirect for an account name someone else has taken).
func (s *Server) RenameAccount(login, newLogin string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	oldKey, newKey := strings.ToLower(login), strings.ToLower(newLogin)
	id, ok := s.state.accountIDs[oldKey]
	if !ok {
		panic(fmt.Sprintf("fakegithub: no account %q", login))
	}
	if _, taken := s.state.accountIDs[newKey]; taken {
		panic(fmt.Sprintf("fakegithub: account %q exists", newLogin))
	}
	delete(s.state.accountIDs, oldKey)
	s.state.accountIDs[newKey] = id
	for full, repoID := range s.state.repoIDs {
		if owner, name, _ := strings.Cut(full, "/"); owner == oldKey {
			delete(s.state.repoIDs, full)
			s.state.repoIDs[newKey+"/"+name] = repoID
		}
	}
	for _, in := range s.state.installations {
		if strings.EqualFold(in.Account, login) {
			in.Account = newLogin
		}
	}
}
