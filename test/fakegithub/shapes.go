package fakegithub

import (
	"fmt"
	"maps"
	"time"
)

// The JSON objects GitHub returns, with the fields clients read and the
// common ones around them. Builders run with Server.mu held.

type accountJSON struct {
	Login     string `json:"login"`
	ID        int64  `json:"id"`
	NodeID    string `json:"node_id"`
	AvatarURL string `json:"avatar_url"`
	URL       string `json:"url"`
	HTMLURL   string `json:"html_url"`
	ReposURL  string `json:"repos_url"`
	Type      string `json:"type"`
	SiteAdmin bool   `json:"site_admin"`
}

type repositoryJSON struct {
	ID            int64       `json:"id"`
	NodeID        string      `json:"node_id"`
	Name          string      `json:"name"`
	FullName      string      `json:"full_name"`
	Private       bool        `json:"private"`
	Owner         accountJSON `json:"owner"`
	HTMLURL       string      `json:"html_url"`
	Description   *string     `json:"description"`
	Fork          bool        `json:"fork"`
	URL           string      `json:"url"`
	GitURL        string      `json:"git_url"`
	SSHURL        string      `json:"ssh_url"`
	CloneURL      string      `json:"clone_url"`
	DefaultBranch string      `json:"default_branch"`
	Visibility    string      `json:"visibility"`
	Archived      bool        `json:"archived"`
	Disabled      bool        `json:"disabled"`
	CreatedAt     string      `json:"created_at"`
	UpdatedAt     string      `json:"updated_at"`
	PushedAt      string      `json:"pushed_at"`
}

type installationJSON struct {
	ID                     int64             `json:"id"`
	ClientID               string            `json:"client_id,omitempty"`
	Account                accountJSON       `json:"account"`
	RepositorySelection    string            `json:"repository_selection"`
	AccessTokensURL        string            `json:"access_tokens_url"`
	RepositoriesURL        string            `json:"repositories_url"`
	HTMLURL                string            `json:"html_url"`
	AppID                  int64             `json:"app_id"`
	AppSlug                string            `json:"app_slug"`
	TargetID               int64             `json:"target_id"`
	TargetType             string            `json:"target_type"`
	Permissions            map[string]string `json:"permissions"`
	Events                 []string          `json:"events"`
	CreatedAt              string            `json:"created_at"`
	UpdatedAt              string            `json:"updated_at"`
	SingleFileName         *string           `json:"single_file_name"`
	HasMultipleSingleFiles bool              `json:"has_multiple_single_files"`
	SingleFilePaths        []string          `json:"single_file_paths"`
	SuspendedBy            *accountJSON      `json:"suspended_by"`
	SuspendedAt            *string           `json:"suspended_at"`
}

type appJSON struct {
	ID                 int64             `json:"id"`
	Slug               string            `json:"slug"`
	NodeID             string            `json:"node_id"`
	ClientID           string            `json:"client_id"`
	Owner              accountJSON       `json:"owner"`
	Name               string            `json:"name"`
	Description        string            `json:"description"`
	ExternalURL        string            `json:"external_url"`
	HTMLURL            string            `json:"html_url"`
	CreatedAt          string            `json:"created_at"`
	UpdatedAt          string            `json:"updated_at"`
	Permissions        map[string]string `json:"permissions"`
	Events             []string          `json:"events"`
	InstallationsCount int               `json:"installations_count"`
}

// accessTokenJSON is the 201 body of POST .../access_tokens.
type accessTokenJSON struct {
	Token               string            `json:"token"`
	ExpiresAt           string            `json:"expires_at"`
	Permissions         map[string]string `json:"permissions"`
	RepositorySelection string            `json:"repository_selection"`
	Repositories        []repositoryJSON  `json:"repositories,omitempty"`
}

// tokenRepositoriesJSON is the body of GET /installation/repositories.
type tokenRepositoriesJSON struct {
	TotalCount          int              `json:"total_count"`
	RepositorySelection string           `json:"repository_selection"`
	Repositories        []repositoryJSON `json:"repositories"`
}

func timestamp(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

func (x *exchange) accountJSON(login, accountType string) accountJSON {
	id := x.s.state.accountID(login)
	return accountJSON{
		Login:     login,
		ID:        id,
		NodeID:    fmt.Sprintf("MDQ6VXNlcj%d", id),
		AvatarURL: fmt.Sprintf("%s/avatars/u/%d", x.webRoot(), id),
		URL:       x.apiRoot() + "/users/" + login,
		HTMLURL:   x.webRoot() + "/" + login,
		ReposURL:  x.apiRoot() + "/users/" + login + "/repos",
		Type:      accountType,
	}
}

func (x *exchange) repositoryJSON(in *installationState, name string) repositoryJSON {
	id := x.s.state.repoID(in.Account, name)
	full := in.Account + "/" + name
	created := timestamp(in.createdAt)
	return repositoryJSON{
		ID:            id,
		NodeID:        fmt.Sprintf("R_kgDO%d", id),
		Name:          name,
		FullName:      full,
		Private:       true,
		Owner:         x.accountJSON(in.Account, in.AccountType),
		HTMLURL:       x.webRoot() + "/" + full,
		URL:           x.apiRoot() + "/repos/" + full,
		GitURL:        "git://" + x.r.Host + "/" + full + ".git",
		SSHURL:        "git@" + x.r.Host + ":" + full + ".git",
		CloneURL:      x.webRoot() + "/" + full + ".git",
		DefaultBranch: "main",
		Visibility:    "private",
		CreatedAt:     created,
		UpdatedAt:     created,
		PushedAt:      created,
	}
}

func (x *exchange) installationJSON(in *installationState) installationJSON {
	app := x.s.state.apps[in.AppID]
	created := timestamp(in.createdAt)
	htmlURL := fmt.Sprintf("%s/organizations/%s/settings/installations/%d", x.webRoot(), in.Account, in.ID)
	if in.AccountType == "User" {
		htmlURL = fmt.Sprintf("%s/settings/installations/%d", x.webRoot(), in.ID)
	}
	return installationJSON{
		ID:                  in.ID,
		ClientID:            app.ClientID,
		Account:             x.accountJSON(in.Account, in.AccountType),
		RepositorySelection: in.selection(),
		AccessTokensURL:     fmt.Sprintf("%s/app/installations/%d/access_tokens", x.apiRoot(), in.ID),
		RepositoriesURL:     x.apiRoot() + "/installation/repositories",
		HTMLURL:             htmlURL,
		AppID:               in.AppID,
		AppSlug:             app.Slug,
		TargetID:            in.accountID,
		TargetType:          in.AccountType,
		Permissions:         maps.Clone(in.Permissions),
		Events:              []string{},
		CreatedAt:           created,
		UpdatedAt:           created,
		SingleFilePaths:     []string{},
	}
}

func (x *exchange) appJSON(app *appState) appJSON {
	// An App's permissions are the most any installation was granted.
	permissions := map[string]string{}
	installations := 0
	for _, in := range x.s.state.installations {
		if in.AppID != app.ID {
			continue
		}
		installations++
		for name, level := range in.Permissions {
			if levelRank(level) > levelRank(permissions[name]) {
				permissions[name] = level
			}
		}
	}
	created := timestamp(app.createdAt)
	return appJSON{
		ID:                 app.ID,
		Slug:               app.Slug,
		NodeID:             fmt.Sprintf("A_kwDO%d", app.ID),
		ClientID:           app.ClientID,
		Owner:              x.accountJSON(app.Owner, "Organization"),
		Name:               app.Name,
		ExternalURL:        x.webRoot(),
		HTMLURL:            x.webRoot() + "/apps/" + app.Slug,
		CreatedAt:          created,
		UpdatedAt:          created,
		Permissions:        permissions,
		Events:             []string{},
		InstallationsCount: installations,
	}
}
