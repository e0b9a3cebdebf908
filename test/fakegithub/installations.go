package fakegithub

import (
	"cmp"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Endpoints authenticated as the App: the App itself and its installations.
// An installation of another App is as invisible as a missing one (404).

func getApp(x *exchange) {
	x.s.mu.Lock()
	body := x.appJSON(x.app)
	x.s.mu.Unlock()
	x.writeJSON(http.StatusOK, body)
}

func listInstallations(x *exchange) {
	p := parsePage(x.r.URL.Query())
	x.s.mu.Lock()
	all := x.s.appInstallations(x.app.ID)
	lo, hi := p.bounds(len(all))
	body := make([]installationJSON, 0, hi-lo)
	for _, in := range all[lo:hi] {
		body = append(body, x.installationJSON(in))
	}
	x.s.mu.Unlock()
	x.setLinkHeader(p, len(all))
	x.writeJSON(http.StatusOK, body)
}

func getInstallation(x *exchange) {
	x.answerInstallation(func(in *installationState) bool {
		return strconv.FormatInt(in.ID, 10) == x.params["id"]
	})
}

// findOrgInstallation finds the installation on an organization; a user
// account is not an organization, so it is a 404 here.
func findOrgInstallation(x *exchange) {
	x.answerInstallation(func(in *installationState) bool {
		return in.AccountType == "Organization" && strings.EqualFold(in.Account, x.params["org"])
	})
}

// findUserInstallation finds the installation on any account, organization
// or user.
func findUserInstallation(x *exchange) {
	x.answerInstallation(func(in *installationState) bool {
		return strings.EqualFold(in.Account, x.params["user"])
	})
}

// findRepoInstallation finds the installation that reaches the repository.
func findRepoInstallation(x *exchange) {
	x.answerInstallation(func(in *installationState) bool {
		return strings.EqualFold(in.Account, x.params["owner"]) && containsFold(in.reachable(), x.params["repo"])
	})
}

// answerInstallation answers with the App's first installation that match
// accepts, or 404.
func (x *exchange) answerInstallation(match func(*installationState) bool) {
	x.s.mu.Lock()
	var found *installationJSON
	for _, in := range x.s.appInstallations(x.app.ID) {
		if match(in) {
			body := x.installationJSON(in)
			found = &body
			break
		}
	}
	x.s.mu.Unlock()
	if found == nil {
		x.writeError(http.StatusNotFound, "Not Found")
		return
	}
	x.writeJSON(http.StatusOK, found)
}

// appInstallations lists an App's installations by ID. Call with s.mu held.
func (s *Server) appInstallations(appID int64) []*installationState {
	var out []*installationState
	for _, in := range s.state.installations {
		if in.AppID == appID {
			out = append(out, in)
		}
	}
	slices.SortFunc(out, func(a, b *installationState) int { return cmp.Compare(a.ID, b.ID) })
	return out
}
