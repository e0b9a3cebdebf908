package fakegitea

import (
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"strings"
)

func canRead(u *user, r *repo) bool {
	return !r.private || canWrite(u, r)
}

func canWrite(u *user, r *repo) bool {
	if u == nil {
		return false
	}
	return strings.EqualFold(u.login, r.owner) || slices.ContainsFunc(r.collaborators, func(c string) bool { return strings.EqualFold(c, u.login) })
}

// reach finds the request's repository as the credential sees it: a
// restricted token sees only its named ones; a site admin sees all.
func (s *Server) reach(w http.ResponseWriter, r *http.Request, who principal) *repo {
	rp := s.db.repo(r.PathValue("owner"), r.PathValue("repo"))
	if !reaches(who, rp) {
		message(w, http.StatusNotFound, "The target couldn't be found.")
		return nil
	}
	return rp
}

// reaches reports whether the credential sees rp: its user can read it (or
// is a site admin), a restricted token names it, and a public-only token
// sees only public repositories.
func reaches(who principal, rp *repo) bool {
	switch {
	case rp == nil, !canRead(who.u, rp) && !who.siteAdmin():
		return false
	case who.restricted() && !slices.Contains(who.tok.repos, rp):
		return false
	case who.tok != nil && rp.private && slices.Contains(who.tok.scopes, "public-only"):
		return false
	}
	return true
}

func getRepo(s *Server, w http.ResponseWriter, r *http.Request, who principal) {
	if !needScope(w, who, "read", "repository") {
		return
	}
	rp := s.reach(w, r, who)
	if rp == nil {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": rp.id, "name": rp.name, "full_name": rp.fullName(), "private": rp.private,
		"owner": map[string]any{"login": rp.owner}})
}

// editRepo stands for any write: write:repository and write access, and
// not through a restricted token (Forgejo PR #11736).
func editRepo(s *Server, w http.ResponseWriter, r *http.Request, who principal) {
	if !needUser(w, who) || !needScope(w, who, "write", "repository") {
		return
	}
	rp := s.reach(w, r, who)
	if rp == nil {
		return
	}
	if who.restricted() || !(canWrite(who.u, rp) || who.siteAdmin()) {
		message(w, http.StatusForbidden, "Forbidden")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": rp.id, "full_name": rp.fullName()})
}

// adminEditUser is PATCH /admin/users/{username}: site admins only.
func adminEditUser(s *Server, w http.ResponseWriter, r *http.Request, who principal) {
	if !needUser(w, who) || !needScope(w, who, "write", "admin") {
		return
	}
	if !who.siteAdmin() {
		message(w, http.StatusForbidden, "You are not a site administrator")
		return
	}
	target := s.db.userByLogin(r.PathValue("username"))
	if target == nil {
		message(w, http.StatusNotFound, "user does not exist")
		return
	}
	var opt struct {
		Password           string `json:"password"`
		MustChangePassword *bool  `json:"must_change_password"`
	}
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if json.Unmarshal(body, &opt) != nil {
		message(w, http.StatusUnprocessableEntity, "invalid JSON")
		return
	}
	if len(opt.Password) > 255 {
		message(w, http.StatusUnprocessableEntity, "password too long")
		return
	}
	if opt.Password != "" {
		target.password = opt.Password
	}
	if opt.MustChangePassword != nil {
		target.mustChange = *opt.MustChangePassword
	}
	writeJSON(w, http.StatusOK, userJSON(target))
}

// registryToken is the container registry's token endpoint: basic auth
// with an access token as the password, which needs read:package.
func registryToken(_ *Server, w http.ResponseWriter, _ *http.Request, who principal) {
	if who.tok == nil || !allows(who.tok.scopes, "read", "package") {
		w.Header().Set("WWW-Authenticate", `Basic realm="Gitea Package API"`)
		writeJSON(w, http.StatusUnauthorized, map[string]any{"errors": []map[string]string{{"code": "UNAUTHORIZED", "message": "authentication required"}}})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"token": "registry-" + who.tok.value[:8]})
}
