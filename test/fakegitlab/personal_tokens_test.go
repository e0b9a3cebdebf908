package fakegitlab

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

func userTokensPath(userID int64) string {
	return "/users/" + strconv.FormatInt(userID, 10) + "/personal_access_tokens"
}

func TestCreatePersonalTokenAsAdmin(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := w.call("POST", userTokensPath(w.bobID), w.root, map[string]any{
		"name": "vault", "scopes": []string{"read_api"}, "expires_at": "2025-07-01", "description": "for CI",
	}).expect(t, http.StatusCreated).fields(t)
	if id(t, r, "user_id") != w.bobID || r["expires_at"] != "2025-07-01" || r["active"] != true ||
		r["revoked"] != false || r["description"] != "for CI" || r["last_used_at"] != nil {
		t.Fatalf("created: %v", r)
	}
	token := str(t, r, "token")
	tok, live := w.s.Lookup(token)
	if !live || tok.Kind != KindPersonal || tok.Parent != "users/"+strconv.FormatInt(w.bobID, 10) ||
		!tok.ExpiresAt.Equal(time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)) {
		t.Fatalf("lookup: %+v live %v", tok, live)
	}
	// The new token is bob's: it reads what bob reads.
	w.call("GET", "/projects/acme%2Fapp", token, nil).expect(t, http.StatusOK)

	// Without expires_at, the instance maximum: 365 days.
	long := w.call("POST", userTokensPath(w.bobID), w.root, map[string]any{"name": "long", "scopes": []string{"api"}}).
		expect(t, http.StatusCreated).fields(t)
	if long["expires_at"] != "2026-06-10" {
		t.Fatalf("default expiry %v", long["expires_at"])
	}
	for _, created := range []map[string]any{r, long} {
		w.call("DELETE", "/personal_access_tokens/"+strconv.FormatInt(id(t, created, "id"), 10), w.root, nil).
			expect(t, http.StatusNoContent)
	}
}

func TestCreatePersonalTokenRefused(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	tests := []struct {
		name    string
		token   string
		userID  int64
		body    map[string]any
		status  int
		message string
	}{
		{"not an administrator", w.alice, w.bobID, map[string]any{"name": "x", "scopes": []string{"api"}}, http.StatusForbidden, "403 Forbidden"},
		{"missing fields", w.root, w.bobID, map[string]any{}, http.StatusBadRequest, "name is missing, scopes is missing"},
		{"unknown scope", w.root, w.bobID, map[string]any{"name": "x", "scopes": []string{"everything"}}, http.StatusBadRequest, "scopes does not have a valid value"},
		{"bad date", w.root, w.bobID, map[string]any{"name": "x", "scopes": []string{"api"}, "expires_at": "soon"}, http.StatusBadRequest, "expires_at is invalid"},
		{"unknown user", w.root, 999999, map[string]any{"name": "x", "scopes": []string{"api"}}, http.StatusNotFound, "404 User Not Found"},
		{"today", w.root, w.bobID, map[string]any{"name": "x", "scopes": []string{"api"}, "expires_at": "2025-06-10"}, http.StatusBadRequest, "Expiration date must be in the future"},
		{"beyond 365 days", w.root, w.bobID, map[string]any{"name": "x", "scopes": []string{"api"}, "expires_at": "2026-06-11"}, http.StatusBadRequest, "Expiration date must be before 2026-06-10"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := w.call("POST", userTokensPath(tc.userID), tc.token, tc.body).expect(t, tc.status)
			if got := r.message(t); got != tc.message {
				t.Fatalf("message %q, want %q", got, tc.message)
			}
		})
	}
	if n := len(w.s.LiveTokens()); n != 5 {
		t.Fatalf("%d live tokens, want only the 5 seeded", n)
	}
}

func TestPersonalTokenIntrospection(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	self := w.call("GET", "/personal_access_tokens/self", w.alice, nil).expect(t, http.StatusOK).fields(t)
	aliceTokenID := id(t, self, "id")
	if id(t, self, "user_id") != w.aliceID || self["expires_at"] != "2026-06-01" || self["active"] != true {
		t.Fatalf("self: %v", self)
	}
	if _, ok := self["token"]; ok {
		t.Fatal("self shows the token value")
	}
	path := "/personal_access_tokens/" + strconv.FormatInt(aliceTokenID, 10)
	w.call("GET", path, w.alice, nil).expect(t, http.StatusOK)
	w.call("GET", path, w.root, nil).expect(t, http.StatusOK)
	// Another user learns nothing; only an administrator hears "not found".
	w.call("GET", path, w.bob, nil).expect(t, http.StatusUnauthorized)
	w.call("GET", "/personal_access_tokens/999999", w.bob, nil).expect(t, http.StatusUnauthorized)
	w.call("GET", "/personal_access_tokens/999999", w.root, nil).expect(t, http.StatusNotFound)

	list := w.call("GET", "/personal_access_tokens", w.alice, nil).expect(t, http.StatusOK).list(t)
	if len(list) != 1 || id(t, list[0], "id") != aliceTokenID {
		t.Fatalf("alice's list: %v", list)
	}
	if all := w.call("GET", "/personal_access_tokens", w.root, nil).list(t); len(all) != 5 {
		t.Fatalf("root's list has %d tokens", len(all))
	}
	w.call("GET", "/personal_access_tokens?user_id="+strconv.FormatInt(w.bobID, 10), w.alice, nil).expect(t, http.StatusUnauthorized)
}

func TestRevokePersonalToken(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	created := w.call("POST", userTokensPath(w.bobID), w.root, map[string]any{
		"name": "x", "scopes": []string{"api"}, "expires_at": "2025-07-01",
	}).expect(t, http.StatusCreated).fields(t)
	path := "/personal_access_tokens/" + strconv.FormatInt(id(t, created, "id"), 10)

	// Only the owner or an administrator may revoke.
	r := w.call("DELETE", path, w.alice, nil).expect(t, http.StatusBadRequest)
	if r.message(t) != "400 Bad request" {
		t.Fatalf("message %q", r.message(t))
	}
	w.call("DELETE", path, w.bob, nil).expect(t, http.StatusNoContent)
	if _, live := w.s.Lookup(str(t, created, "token")); live {
		t.Fatal("revoked token still live")
	}
	// Again, and unknown: 404.
	if r := w.call("DELETE", path, w.bob, nil).expect(t, http.StatusNotFound); r.message(t) != "404 Not found" {
		t.Fatalf("message %q", r.message(t))
	}
	w.call("DELETE", "/personal_access_tokens/999999", w.root, nil).expect(t, http.StatusNotFound)
	// Still visible, as revoked.
	got := w.call("GET", path, w.root, nil).expect(t, http.StatusOK).fields(t)
	if got["revoked"] != true || got["active"] != false {
		t.Fatalf("after revoke: %v", got)
	}

	// Self-revocation ends the caller's own token.
	w.call("DELETE", "/personal_access_tokens/self", w.dave, nil).expect(t, http.StatusNoContent)
	w.call("GET", "/personal_access_tokens/self", w.dave, nil).expect(t, http.StatusUnauthorized)
}
