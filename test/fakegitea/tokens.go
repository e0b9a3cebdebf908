package fakegitea

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// tokenOwner checks the basic-auth-only rule and whose tokens the request
// names: its own, or anyone's for a site admin (reqSelfOrAdmin).
//
// Gitea's reqBasicOrRevProxyAuth asks only that the request authenticated
// through the basic method, and services/auth/basic.go takes an access
// token as the basic-auth password under that method; the route group asks
// a token for the user scope (tokenRequiresScopes(User): read:user to list,
// write:user to create or delete). So on Gitea a write:user token, given as
// the password, creates tokens of any scope for its user. Forgejo's
// ReqBasicOrRevProxyAuth asks for a password sign-in
// (IsPasswordAuthentication) and answers a token "auth method not allowed".
func (s *Server) tokenOwner(w http.ResponseWriter, r *http.Request, who principal) *user {
	if who.u == nil || !who.basic {
		message(w, http.StatusUnauthorized, "auth required")
		return nil
	}
	if who.tok != nil {
		if s.flavour == Forgejo {
			message(w, http.StatusUnauthorized, "auth method not allowed")
			return nil
		}
		level := "write"
		if r.Method == http.MethodGet {
			level = "read"
		}
		if !needScope(w, who, level, "user") {
			return nil
		}
	}
	target := s.db.userByLogin(r.PathValue("username"))
	if target == nil {
		message(w, http.StatusNotFound, "user does not exist")
		return nil
	}
	if target != who.u && !who.u.admin {
		message(w, http.StatusForbidden, "only admin or self")
		return nil
	}
	return target
}

func listTokens(s *Server, w http.ResponseWriter, r *http.Request, who principal) {
	owner := s.tokenOwner(w, r, who)
	if owner == nil {
		return
	}
	var all []map[string]any
	for _, t := range s.db.tokens {
		if t.uid == owner.id && !t.deleted {
			all = append(all, s.tokenJSON(t, false))
		}
	}
	// Gitea's pagination: page (1-based) and limit (default 30 here).
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	page, limit = max(page, 1), min(max(limit, 1), 50)
	if r.URL.Query().Get("limit") == "" {
		limit = 30
	}
	start := min((page-1)*limit, len(all))
	end := min(start+limit, len(all))
	w.Header().Set("X-Total-Count", strconv.Itoa(len(all)))
	if end < len(all) {
		next := *r.URL
		q := next.Query()
		q.Set("page", strconv.Itoa(page+1))
		next.RawQuery = q.Encode()
		w.Header().Set("Link", fmt.Sprintf("<%s>; rel=\"next\"", next.String()))
	}
	out := all[start:end]
	if out == nil {
		out = []map[string]any{}
	}
	writeJSON(w, http.StatusOK, out)
}

type createOption struct {
	Name         string   `json:"name"`
	Scopes       []string `json:"scopes"`
	Repositories []struct {
		Owner string `json:"owner"`
		Name  string `json:"name"`
	} `json:"repositories"`
}

func createToken(s *Server, w http.ResponseWriter, r *http.Request, who principal) {
	owner := s.tokenOwner(w, r, who)
	if owner == nil {
		return
	}
	var opt createOption
	body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err := json.Unmarshal(body, &opt); err != nil {
		message(w, http.StatusUnprocessableEntity, "invalid JSON")
		return
	}
	if strings.TrimSpace(opt.Name) == "" {
		writeJSON(w, http.StatusUnprocessableEntity, []map[string]any{{"fieldNames": []string{"Name"}, "classification": "RequiredError", "message": "Required"}})
		return
	}
	for _, t := range s.db.tokens {
		if t.uid == owner.id && !t.deleted && t.name == opt.Name {
			message(w, http.StatusBadRequest, "access token name has been used already")
			return
		}
	}
	scopes, err := normalizeScopes(opt.Scopes)
	if err != nil {
		message(w, http.StatusBadRequest, "invalid access token scope provided: "+err.Error())
		return
	}
	if len(scopes) == 0 {
		message(w, http.StatusBadRequest, "access token must have a scope")
		return
	}
	t := &token{id: s.db.id(), uid: owner.id, name: opt.Name, value: newTokenValue(), scopes: scopes, created: s.now()}
	if s.flavour == Forgejo && len(opt.Repositories) > 0 {
		if allows(scopes, "read", "admin") {
			message(w, http.StatusBadRequest, "repository-specific access tokens cannot have the admin scope")
			return
		}
		t.repos = []*repo{}
		for _, target := range opt.Repositories {
			rp := s.db.repo(target.Owner, target.Name)
			if rp == nil || !canRead(owner, rp) {
				message(w, http.StatusBadRequest, fmt.Sprintf("repository %s/%s does not exist", target.Owner, target.Name))
				return
			}
			t.repos = append(t.repos, rp)
		}
	}
	s.db.tokens = append(s.db.tokens, t)
	writeJSON(w, http.StatusCreated, s.tokenJSON(t, true))
}

func (s *Server) tokenJSON(t *token, withValue bool) map[string]any {
	out := map[string]any{
		"id": t.id, "name": t.name, "token_last_eight": t.value[len(t.value)-8:],
		"scopes": t.scopes, "created_at": t.created.UTC().Format(time.RFC3339),
	}
	if !t.lastUsed.IsZero() {
		out["last_used_at"] = t.lastUsed.UTC().Format(time.RFC3339)
	}
	if withValue {
		out["sha1"] = t.value
	} else {
		out["sha1"] = ""
	}
	if s.flavour == Forgejo {
		var repos []map[string]any
		for _, rp := range t.repos {
			repos = append(repos, map[string]any{"id": rp.id, "name": rp.name, "owner": rp.owner, "full_name": rp.fullName()})
		}
		out["repositories"] = repos // null when unrestricted
	}
	return out
}

// deleteToken follows Gitea's DeleteAccessToken: a numeric id, else a name;
// the token must be the caller's own (DeleteAccessTokenByID(t.ID, doer.ID)).
func deleteToken(s *Server, w http.ResponseWriter, r *http.Request, who principal) {
	owner := s.tokenOwner(w, r, who)
	if owner == nil {
		return
	}
	ref := r.PathValue("token")
	var found []*token
	if id, _ := strconv.ParseInt(ref, 0, 64); id != 0 {
		for _, t := range s.db.tokens {
			if t.id == id && !t.deleted && t.uid == who.u.id {
				found = append(found, t)
			}
		}
	} else {
		for _, t := range s.db.tokens {
			if t.name == ref && !t.deleted && t.uid == owner.id {
				found = append(found, t)
			}
		}
		if len(found) == 1 && found[0].uid != who.u.id {
			found = nil
		}
	}
	switch len(found) {
	case 0:
		message(w, http.StatusNotFound, "The target couldn't be found.")
	case 1:
		found[0].deleted = true
		w.WriteHeader(http.StatusNoContent)
	default:
		message(w, http.StatusUnprocessableEntity, fmt.Sprintf("multiple matches for token name '%s'", ref))
	}
}
