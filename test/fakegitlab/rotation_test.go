package fakegitlab

import (
	"net/http"
	"strconv"
	"testing"
)

func TestSelfRotatePersonalToken(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	old, _ := w.s.Lookup(w.alice)
	r := w.call("POST", "/personal_access_tokens/self/rotate", w.alice, nil).expect(t, http.StatusOK).fields(t)
	fresh := str(t, r, "token")
	// A week by default, same name, scopes and owner, and a new id.
	if r["expires_at"] != "2025-06-17" || r["name"] != old.Name || id(t, r, "user_id") != w.aliceID || id(t, r, "id") == old.ID {
		t.Fatalf("rotated: %v", r)
	}
	w.call("GET", "/user", w.alice, nil).expect(t, http.StatusUnauthorized)
	w.call("GET", "/user", fresh, nil).expect(t, http.StatusOK)

	// With expires_at.
	r = w.call("POST", "/personal_access_tokens/self/rotate", fresh, map[string]any{"expires_at": "2025-09-01"}).
		expect(t, http.StatusOK).fields(t)
	if r["expires_at"] != "2025-09-01" {
		t.Fatalf("rotated with expiry: %v", r)
	}
	// Bounds apply to rotation too, and a refused rotation keeps the token.
	third := str(t, r, "token")
	bad := w.call("POST", "/personal_access_tokens/self/rotate", third, map[string]any{"expires_at": "2027-01-01"}).
		expect(t, http.StatusBadRequest)
	if bad.message(t) != "400 Bad request - Expiration date must be before 2026-06-10" {
		t.Fatalf("message %q", bad.message(t))
	}
	w.call("GET", "/user", third, nil).expect(t, http.StatusOK)
}

// A rotation whose answer was lost, then retried with the old token, is
// GitLab's reuse detection: the whole family dies.
func TestRotationReuseRevokesFamily(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	fresh := str(t, w.call("POST", "/personal_access_tokens/self/rotate", w.alice, nil).expect(t, http.StatusOK).fields(t), "token")

	r := w.call("POST", "/personal_access_tokens/self/rotate", w.alice, nil).expect(t, http.StatusUnauthorized)
	if r.fields(t)["error_description"] != revokedDescription {
		t.Fatalf("body %s", r.body)
	}
	if _, live := w.s.Lookup(fresh); live {
		t.Fatal("the rotated token survived reuse of its predecessor")
	}
	// Using a revoked token anywhere else is only a 401.
	bobFresh := str(t, w.call("POST", "/personal_access_tokens/self/rotate", w.bob, nil).fields(t), "token")
	w.call("GET", "/user", w.bob, nil).expect(t, http.StatusUnauthorized)
	if _, live := w.s.Lookup(bobFresh); !live {
		t.Fatal("a plain 401 revoked the family")
	}
}

func TestRotateByIDReuseRevokesFamily(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	old, _ := w.s.Lookup(w.bob)
	path := "/personal_access_tokens/" + strconv.FormatInt(old.ID, 10) + "/rotate"
	fresh := str(t, w.call("POST", path, w.root, nil).expect(t, http.StatusOK).fields(t), "token")
	w.call("GET", "/user", fresh, nil).expect(t, http.StatusOK)

	r := w.call("POST", path, w.root, nil).expect(t, http.StatusBadRequest)
	if r.message(t) != "400 Bad request - Token already revoked" {
		t.Fatalf("message %q", r.message(t))
	}
	if _, live := w.s.Lookup(fresh); live {
		t.Fatal("family survived")
	}
	// Someone else's token: 401 for a user, 404 only for an administrator.
	carol, _ := w.s.Lookup(w.carol)
	w.call("POST", "/personal_access_tokens/"+strconv.FormatInt(carol.ID, 10)+"/rotate", w.alice, nil).expect(t, http.StatusUnauthorized)
	w.call("POST", "/personal_access_tokens/999999/rotate", w.root, nil).expect(t, http.StatusNotFound)
}

func TestRotateProjectToken(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	created := w.createProjectToken(map[string]any{"access_level": 30, "scopes": []string{"api"}})
	oldToken := str(t, created, "token")
	base := "/projects/acme%2Fapp/access_tokens/" + strconv.FormatInt(id(t, created, "id"), 10)

	r := w.call("POST", base+"/rotate", w.alice, map[string]any{"expires_at": "2025-07-01"}).expect(t, http.StatusOK).fields(t)
	newToken := str(t, r, "token")
	if r["access_level"] != float64(30) || id(t, r, "user_id") != id(t, created, "user_id") || r["expires_at"] != "2025-07-01" {
		t.Fatalf("rotated: %v", r)
	}
	w.call("GET", "/projects/acme%2Fapp", oldToken, nil).expect(t, http.StatusUnauthorized)
	w.call("GET", "/projects/acme%2Fapp", newToken, nil).expect(t, http.StatusOK)
	// The old token stays listed, revoked; the bot keeps its membership.
	list := w.call("GET", "/projects/acme%2Fapp/access_tokens", w.alice, nil).list(t)
	if len(list) != 2 || list[0]["revoked"] != true || list[1]["active"] != true {
		t.Fatalf("list: %v", list)
	}

	// A developer may not rotate; to them the token does not exist.
	w.call("POST", "/projects/acme%2Fapp/access_tokens/"+strconv.FormatInt(id(t, r, "id"), 10)+"/rotate", w.bob, nil).
		expect(t, http.StatusUnauthorized)

	// The token rotates itself.
	self := w.call("POST", "/projects/acme%2Fapp/access_tokens/self/rotate", newToken, nil).expect(t, http.StatusOK).fields(t)
	if self["expires_at"] != "2025-06-17" {
		t.Fatalf("self-rotated: %v", self)
	}
	// A person cannot use the self endpoint; a bot cannot rotate itself
	// under another project.
	w.call("POST", "/projects/acme%2Fapp/access_tokens/self/rotate", w.alice, nil).expect(t, http.StatusMethodNotAllowed)
	w.call("POST", "/projects/acme%2Fplatform%2Fapi/access_tokens/self/rotate", str(t, self, "token"), nil).
		expect(t, http.StatusNotFound)

	// Reuse of a superseded token id revokes the family, bot and all.
	w.call("POST", base+"/rotate", w.alice, nil).expect(t, http.StatusBadRequest)
	if _, live := w.s.Lookup(str(t, self, "token")); live {
		t.Fatal("family survived")
	}
}

func TestRotateCeiling(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	created := w.call("POST", "/projects/acme%2Fapp/access_tokens", w.carol, map[string]any{
		"name": "owner", "scopes": []string{"read_api"}, "expires_at": "2025-06-20", "access_level": 50,
	}).expect(t, http.StatusCreated).fields(t)
	path := "/projects/acme%2Fapp/access_tokens/" + strconv.FormatInt(id(t, created, "id"), 10)
	r := w.call("POST", path+"/rotate", w.alice, nil).expect(t, http.StatusBadRequest)
	if r.message(t) != "400 Bad request - Not eligible to rotate tokens with permissions not held by the user" {
		t.Fatalf("message %q", r.message(t))
	}
	if _, live := w.s.Lookup(str(t, created, "token")); !live {
		t.Fatal("a refused rotation revoked the token")
	}
	w.call("DELETE", path, w.carol, nil).expect(t, http.StatusNoContent)
}

func TestRotatingSeededTokenIsNotALeak(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	// The engine's own token rotates itself twice and stays live: Start's
	// cleanup must not report it.
	next := str(t, w.call("POST", "/personal_access_tokens/self/rotate", w.root, nil).fields(t), "token")
	w.call("POST", "/personal_access_tokens/self/rotate", next, nil).expect(t, http.StatusOK)
}

// A token that rotates itself leaves a successor with its name and owner
// that revoking the original id does not end: GitLab revokes only the token
// it is given (for project and group tokens, 17.9 and later keep the bot
// user). Whoever revokes must look for the successor by name.
func TestSelfRotationOutlivesRevokingTheOriginal(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	personal := w.call("POST", "/users/"+strconv.FormatInt(w.bobID, 10)+"/personal_access_tokens", w.root,
		map[string]any{"name": "leased-p", "scopes": []string{"self_rotate"}, "expires_at": "2025-06-20"}).
		expect(t, http.StatusCreated).fields(t)
	project := w.createProjectToken(map[string]any{"name": "leased-project", "scopes": []string{"api"}})
	group := w.call("POST", "/groups/acme/access_tokens", w.carol,
		map[string]any{"name": "leased-group", "scopes": []string{"self_rotate"}, "expires_at": "2025-06-20"}).
		expect(t, http.StatusCreated).fields(t)
	cases := []struct {
		name, rotate, revoke, owner string
		created                     map[string]any
		wantRevoke                  int
	}{
		{"personal", "/personal_access_tokens/self/rotate", "/personal_access_tokens", w.root, personal, http.StatusNotFound},
		{"project", "/projects/acme%2Fapp/access_tokens/self/rotate", "/projects/acme%2Fapp/access_tokens", w.alice, project, http.StatusNoContent},
		{"group", "/groups/acme/access_tokens/self/rotate", "/groups/acme/access_tokens", w.carol, group, http.StatusNoContent},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			// A year is the most a holder can ask for.
			next := w.call("POST", c.rotate, str(t, c.created, "token"), map[string]any{"expires_at": "2026-06-10"}).
				expect(t, http.StatusOK).fields(t)
			if next["name"] != c.created["name"] || id(t, next, "user_id") != id(t, c.created, "user_id") || next["expires_at"] != "2026-06-10" {
				t.Fatalf("successor %v of %v", next, c.created)
			}
			w.call("GET", "/personal_access_tokens/self", str(t, c.created, "token"), nil).expect(t, http.StatusUnauthorized)
			w.call("DELETE", tokenPath(c.revoke, c.created, t), c.owner, nil).expect(t, c.wantRevoke)
			w.call("GET", "/personal_access_tokens/self", str(t, next, "token"), nil).expect(t, http.StatusOK)
			// The successor is what revocation must find and end.
			w.call("DELETE", tokenPath(c.revoke, next, t), c.owner, nil).expect(t, http.StatusNoContent)
			w.call("GET", "/personal_access_tokens/self", str(t, next, "token"), nil).expect(t, http.StatusUnauthorized)
		})
	}
}
