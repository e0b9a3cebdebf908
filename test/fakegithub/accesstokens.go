package fakegithub

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// GitHub's 422 answers to a token request beyond the installation. A
// repository that does not exist and one the installation cannot reach get
// the same answer, so a client cannot tell them apart either.
const (
	repositoriesNotAccessible = "There is at least one repository that does not exist or is not accessible to the parent installation."
	permissionsNotGranted     = "The permissions requested are not granted to this installation."
	// Assumed wording: GitHub documents the 500-repository cap but the
	// message was not confirmed.
	tooManyRepositories = "Too many repositories were requested. The maximum is 500."
)

// maxTokenRepositories is GitHub's documented cap ("Up to 500 repositories
// can be listed", create an installation access token). The fake counts
// repositories and repository_ids entries together (assumed: the docs do
// not say how the two lists are counted).
const maxTokenRepositories = 500

// accessTokenRequest is the optional body of POST .../access_tokens.
type accessTokenRequest struct {
	Repositories  []string          `json:"repositories"`
	RepositoryIDs []int64           `json:"repository_ids"`
	Permissions   map[string]string `json:"permissions"`
}

// createAccessToken mints an installation token, narrowed by the body.
// An empty body, like empty lists, means the installation's full access.
func createAccessToken(x *exchange) {
	req, status, msg := readAccessTokenRequest(x.r)
	if status != 0 {
		x.writeErrorDoc(status, msg, docsCreateToken)
		return
	}

	x.s.mu.Lock()
	body, status, msg := x.mint(req)
	x.s.mu.Unlock()
	if status != 0 {
		x.writeErrorDoc(status, msg, docsCreateToken)
		return
	}
	x.writeJSON(http.StatusCreated, body)
}

func readAccessTokenRequest(r *http.Request) (accessTokenRequest, int, string) {
	var req accessTokenRequest
	data, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		return req, http.StatusBadRequest, "Problems parsing JSON"
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return req, 0, ""
	}
	if err := json.Unmarshal(data, &req); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			// Assumed wording; GitHub's schema validation names the field.
			return req, http.StatusUnprocessableEntity, "Invalid request.\n\nFor 'properties/" + typeErr.Field + "', the value has the wrong type."
		}
		return req, http.StatusBadRequest, "Problems parsing JSON"
	}
	return req, 0, ""
}

// mint checks req against the installation and issues the token. Call with
// s.mu held.
func (x *exchange) mint(req accessTokenRequest) (accessTokenJSON, int, string) {
	id, _ := strconv.ParseInt(x.params["id"], 10, 64)
	in, ok := x.s.state.installations[id]
	if !ok || in.AppID != x.app.ID {
		return accessTokenJSON{}, http.StatusNotFound, "Not Found"
	}

	repos, selection, msg := narrowRepositories(x.s, in, req)
	if msg != "" {
		return accessTokenJSON{}, http.StatusUnprocessableEntity, msg
	}
	// The token gets exactly the permissions asked for (assumed: GitHub
	// adds nothing, not even metadata, to the response), and an unknown
	// name or level is refused like an ungranted one.
	permissions := maps.Clone(in.Permissions)
	if len(req.Permissions) > 0 {
		for name, level := range req.Permissions {
			if !permissionAllowed(in.Permissions, name, level) {
				return accessTokenJSON{}, http.StatusUnprocessableEntity, permissionsNotGranted
			}
		}
		permissions = maps.Clone(req.Permissions)
	}

	value := classicToken()
	if x.wantsStatelessToken() {
		value = statelessToken(in.AppID)
	}
	x.s.state.tokenSeq++
	tok := &tokenState{
		IssuedToken: IssuedToken{
			Token:          value,
			InstallationID: in.ID,
			Repositories:   repos,
			Permissions:    permissions,
			IssuedAt:       x.now,
			ExpiresAt:      x.now.Add(tokenLifetime).Truncate(time.Second),
		},
		seq: x.s.state.tokenSeq,
	}
	x.s.state.tokens[value] = tok

	body := accessTokenJSON{
		Token:               value,
		ExpiresAt:           timestamp(tok.ExpiresAt),
		Permissions:         maps.Clone(permissions),
		RepositorySelection: selection,
	}
	for _, name := range repos {
		body.Repositories = append(body.Repositories, x.repositoryJSON(in, name))
	}
	return body, 0, ""
}

// narrowRepositories resolves the requested names and IDs within what the
// installation reaches. nil repos means "all".
func narrowRepositories(s *Server, in *installationState, req accessTokenRequest) (repos []string, selection, msg string) {
	requested := len(req.Repositories) + len(req.RepositoryIDs)
	if requested > maxTokenRepositories {
		return nil, "", tooManyRepositories
	}
	reachable := in.reachable()
	if requested == 0 {
		if in.Repositories == nil {
			return nil, "all", ""
		}
		return sortedFold(slices.Clone(in.Repositories)), "selected", ""
	}
	repos = []string{}
	add := func(name string) {
		if !slices.Contains(repos, name) {
			repos = append(repos, name)
		}
	}
	for _, name := range req.Repositories {
		canonical, ok := findRepo(reachable, name)
		if !ok {
			return nil, "", repositoriesNotAccessible
		}
		add(canonical)
	}
	for _, id := range req.RepositoryIDs {
		i := slices.IndexFunc(reachable, func(name string) bool { return s.state.repoID(in.Account, name) == id })
		if i < 0 {
			return nil, "", repositoriesNotAccessible
		}
		add(reachable[i])
	}
	return sortedFold(repos), "selected", ""
}

func sortedFold(names []string) []string {
	slices.SortFunc(names, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	return names
}

// wantsStatelessToken applies GitHub's testing header, which forces a
// token format either way, over Options.LongTokens.
func (x *exchange) wantsStatelessToken() bool {
	switch strings.ToLower(x.r.Header.Get("X-GitHub-Stateless-S2S-Token")) {
	case "enabled":
		return true
	case "disabled":
		return false
	}
	return x.s.opts.LongTokens
}

// revokeInstallationToken is DELETE /installation/token, authenticated with
// the token it revokes.
func revokeInstallationToken(x *exchange) {
	x.s.mu.Lock()
	x.token.revoked = true
	x.s.mu.Unlock()
	x.writeNoContent()
}

// listInstallationRepos is GET /installation/repositories: what the
// calling token can reach, which lets a test prove the scope it got.
func listInstallationRepos(x *exchange) {
	p := parsePage(x.r.URL.Query())
	x.s.mu.Lock()
	in := x.s.state.installations[x.token.InstallationID]
	if in == nil {
		// Uninstalled since the token was authenticated.
		x.s.mu.Unlock()
		x.writeError(http.StatusUnauthorized, "Bad credentials")
		return
	}
	names, selection := x.token.Repositories, "selected"
	if names == nil {
		names, selection = in.reachable(), "all"
	}
	names = sortedFold(slices.Clone(names))
	lo, hi := p.bounds(len(names))
	body := tokenRepositoriesJSON{TotalCount: len(names), RepositorySelection: selection, Repositories: []repositoryJSON{}}
	for _, name := range names[lo:hi] {
		body.Repositories = append(body.Repositories, x.repositoryJSON(in, name))
	}
	x.s.mu.Unlock()
	x.setLinkHeader(p, len(names))
	x.writeJSON(http.StatusOK, body)
}
