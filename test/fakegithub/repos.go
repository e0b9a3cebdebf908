package fakegithub

import (
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// Repository routes an installation token may call, so that tests can play
// a token's holder: it reaches only the repositories it was issued for, and
// creates deploy keys only with administration=write. Based on GitHub's
// REST reference: "Get a repository" answers 404 for a repository the
// token cannot see (GitHub does not tell hidden from missing); "Create a
// deploy key" needs the "Administration" repository permission (write),
// and a token without it gets 403 "Resource not accessible by
// integration". A deploy key is an SSH key of the repository, not of the
// token: it stays after the token ends.

// DeployKey is a key added to a repository with POST .../keys.
type DeployKey struct {
	ID       int64
	Repo     string // "owner/name" as the caller wrote it
	Title    string
	Key      string
	ReadOnly bool
}

type deployKeyJSON struct {
	ID        int64  `json:"id"`
	Key       string `json:"key"`
	URL       string `json:"url"`
	Title     string `json:"title"`
	Verified  bool   `json:"verified"`
	CreatedAt string `json:"created_at"`
	ReadOnly  bool   `json:"read_only"`
}

// reachedRepo is the installation of x's token when the token reaches the
// repository its path names; call with s.mu held.
func (x *exchange) reachedRepo() *installationState {
	return x.s.state.reachedBy(x.token, x.params["owner"], x.params["repo"])
}

// reachedBy is tok's installation when tok reaches owner/name, else nil.
// Call with s.mu held.
func (st *state) reachedBy(tok *tokenState, owner, name string) *installationState {
	in := st.installations[tok.InstallationID]
	if in == nil {
		return nil
	}
	reach := tok.Repositories
	if reach == nil {
		reach = in.reachable()
	}
	if !strings.EqualFold(in.Account, owner) || !containsFold(reach, name) {
		return nil
	}
	return in
}

// getRepo serves GET /repos/{owner}/{repo}.
func getRepo(x *exchange) {
	x.s.mu.Lock()
	in := x.reachedRepo()
	var body repositoryJSON
	if in != nil {
		body = x.repositoryJSON(in, x.params["repo"])
	}
	x.s.mu.Unlock()
	if in == nil {
		x.writeError(http.StatusNotFound, "Not Found")
		return
	}
	x.writeJSON(http.StatusOK, body)
}

// createDeployKey serves POST /repos/{owner}/{repo}/keys.
func createDeployKey(x *exchange) {
	var req struct {
		Title    string `json:"title"`
		Key      string `json:"key"`
		ReadOnly bool   `json:"read_only"`
	}
	data, _ := io.ReadAll(io.LimitReader(x.r.Body, 1<<20))
	if json.Unmarshal(data, &req) != nil {
		x.writeError(http.StatusBadRequest, "Problems parsing JSON")
		return
	}
	x.s.mu.Lock()
	defer x.s.mu.Unlock()
	if x.reachedRepo() == nil {
		x.writeError(http.StatusNotFound, "Not Found")
		return
	}
	if levelRank(x.token.Permissions["administration"]) < levelRank("write") {
		x.writeError(http.StatusForbidden, "Resource not accessible by integration")
		return
	}
	if strings.TrimSpace(req.Key) == "" {
		x.writeError(http.StatusUnprocessableEntity, "Validation Failed")
		return
	}
	x.s.state.nextID++
	k := DeployKey{ID: x.s.state.nextID, Repo: x.params["owner"] + "/" + x.params["repo"], Title: req.Title, Key: req.Key, ReadOnly: req.ReadOnly}
	x.s.state.deployKeys = append(x.s.state.deployKeys, k)
	x.writeJSON(http.StatusCreated, deployKeyJSON{
		ID: k.ID, Key: k.Key, Title: k.Title, ReadOnly: k.ReadOnly, Verified: true,
		URL:       x.apiRoot() + "/repos/" + k.Repo + "/keys/" + strconv.FormatInt(k.ID, 10),
		CreatedAt: timestamp(x.now),
	})
}

// DeployKeys are the deploy keys added so far, oldest first.
func (s *Server) DeployKeys() []DeployKey {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]DeployKey(nil), s.state.deployKeys...)
}
