package fakegitlab

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
)

func saPath(group string, userID int64, rest string) string {
	return fmt.Sprintf("/groups/%s/service_accounts/%d%s", group, userID, rest)
}

func TestGroupServiceAccountLifecycle(t *testing.T) {
	t.Parallel()
	w := newWorld(t)

	created := w.call("POST", "/groups/acme/service_accounts", w.carol, map[string]any{"username": "ci-bot", "name": "CI"}).
		expect(t, http.StatusCreated).fields(t)
	saID := id(t, created, "id")
	if created["username"] != "ci-bot" || created["name"] != "CI" || !strings.HasPrefix(str(t, created, "email"), "ci-bot@noreply.") {
		t.Fatalf("created: %v", created)
	}
	generated := w.call("POST", "/groups/acme/service_accounts", w.carol, nil).expect(t, http.StatusCreated).fields(t)
	if want := fmt.Sprintf("service_account_group_%d_", w.groupID); !strings.HasPrefix(str(t, generated, "username"), want) ||
		generated["name"] != "Service account user" {
		t.Fatalf("defaults: %v", generated)
	}
	if list := w.call("GET", "/groups/acme/service_accounts", w.carol, nil).expect(t, http.StatusOK).list(t); len(list) != 2 {
		t.Fatalf("list: %v", list)
	}
	w.call("POST", "/groups/acme/service_accounts", w.carol, map[string]any{"username": "CI-BOT"}).
		expect(t, http.StatusBadRequest)

	tok := w.call("POST", saPath("acme", saID, "/personal_access_tokens"), w.carol, map[string]any{
		"name": "vault-role-ci", "scopes": []string{"read_repository", "api"}, "expires_at": "2025-06-12", "description": "lease",
	}).expect(t, http.StatusCreated).fields(t)
	value := str(t, tok, "token")
	if id(t, tok, "user_id") != saID || tok["expires_at"] != "2025-06-12" || tok["description"] != "lease" {
		t.Fatalf("token: %v", tok)
	}
	// The token is the account's: GET /user names it, as a bot.
	me := w.call("GET", "/user", value, nil).expect(t, http.StatusOK).fields(t)
	if me["username"] != "ci-bot" || me["bot"] != true {
		t.Fatalf("GET /user: %v", me)
	}

	// Listable and searchable by name, as revocation of successors needs.
	list := w.call("GET", saPath("acme", saID, "/personal_access_tokens?state=active&search=ROLE-CI"), w.carol, nil).
		expect(t, http.StatusOK).list(t)
	if len(list) != 1 || id(t, list[0], "id") != id(t, tok, "id") {
		t.Fatalf("search: %v", list)
	}
	if list := w.call("GET", saPath("acme", saID, "/personal_access_tokens?search=other"), w.carol, nil).list(t); len(list) != 0 {
		t.Fatalf("search other: %v", list)
	}

	// The holder rotates it itself: the successor keeps the name.
	next := w.call("POST", "/personal_access_tokens/self/rotate", value, nil).expect(t, http.StatusOK).fields(t)
	list = w.call("GET", saPath("acme", saID, "/personal_access_tokens?state=active&search=vault-role-ci"), w.carol, nil).list(t)
	if len(list) != 1 || id(t, list[0], "id") != id(t, next, "id") {
		t.Fatalf("after self-rotation: %v", list)
	}
	w.call("GET", "/user", value, nil).expect(t, http.StatusUnauthorized)

	revoke := saPath("acme", saID, fmt.Sprintf("/personal_access_tokens/%d", id(t, next, "id")))
	w.call("DELETE", revoke, w.carol, nil).expect(t, http.StatusNoContent)
	w.call("DELETE", revoke, w.carol, nil).expect(t, http.StatusNotFound)
	w.call("GET", "/user", str(t, next, "token"), nil).expect(t, http.StatusUnauthorized)

	// Deleting the account deletes its tokens with it.
	live := w.call("POST", saPath("acme", saID, "/personal_access_tokens"), w.carol, map[string]any{
		"name": "other", "scopes": []string{"read_api"},
	}).expect(t, http.StatusCreated).fields(t)
	if live["expires_at"] != "2026-06-10" {
		t.Fatalf("default expiry: %v", live["expires_at"])
	}
	w.call("DELETE", saPath("acme", saID, ""), w.carol, nil).expect(t, http.StatusNoContent)
	w.call("GET", "/user", str(t, live, "token"), nil).expect(t, http.StatusUnauthorized)
	if _, ok := w.s.ServiceAccount("ci-bot"); ok {
		t.Fatal("the account is still there")
	}
	w.call("DELETE", saPath("acme", id(t, generated, "id"), ""), w.carol, nil).expect(t, http.StatusNoContent)
}

func TestGroupServiceAccountPermissions(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	saID := w.s.AddServiceAccount("acme", "ci-bot")
	w.s.AddGroup("acme/platform")
	maintainer := w.s.AddUser("mia", false)
	miaToken, _ := w.s.AddPersonalToken(maintainer, "mia", []string{"api"}, start.AddDate(1, 0, 0))
	w.s.AddMember("acme", maintainer, levelMaintainer)
	tokens := saPath("acme", saID, "/personal_access_tokens")
	body := map[string]any{"name": "x", "scopes": []string{"read_api"}}

	tests := []struct {
		name, method, path, token string
		status                    int
		message                   string
	}{
		{"maintainer lists", "GET", "/groups/acme/service_accounts", miaToken, http.StatusForbidden, "403 Forbidden"},
		{"maintainer creates", "POST", "/groups/acme/service_accounts", miaToken, http.StatusForbidden, "403 Forbidden"},
		{"maintainer makes a token", "POST", tokens, miaToken, http.StatusForbidden, "403 Forbidden"},
		{"maintainer revokes", "DELETE", tokens + "/1", miaToken, http.StatusForbidden, "403 Forbidden"},
		{"maintainer deletes", "DELETE", saPath("acme", saID, ""), miaToken, http.StatusForbidden, "403 Forbidden"},
		{"stranger", "GET", "/groups/acme/service_accounts", w.alice, http.StatusNotFound, "404 Group Not Found"},
		{"subgroup create", "POST", "/groups/acme%2Fplatform/service_accounts", w.carol, http.StatusBadRequest,
			"400 Bad request - User does not have permission to create a service account in this namespace."},
		{"subgroup token", "POST", saPath("acme%2Fplatform", saID, "/personal_access_tokens"), w.carol, http.StatusNotFound, "404 User Not Found"},
		{"human user", "POST", saPath("acme", w.carolID, "/personal_access_tokens"), w.carol, http.StatusNotFound, "404 User Not Found"},
		{"instance list", "GET", "/service_accounts", w.carol, http.StatusForbidden, "403 Forbidden"},
		{"instance create", "POST", "/service_accounts", w.carol, http.StatusForbidden, "403 Forbidden"},
		{"user delete", "DELETE", fmt.Sprintf("/users/%d", saID), w.carol, http.StatusForbidden, "403 Forbidden"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b any
			if tt.method == "POST" {
				b = body
			}
			if got := w.call(tt.method, tt.path, tt.token, b).expect(t, tt.status).message(t); got != tt.message {
				t.Fatalf("message %q, want %q", got, tt.message)
			}
		})
	}
	if live := w.s.LiveTokens(); len(live) != 6 { // the seeded tokens only
		t.Fatalf("a refused call made a token: %+v", live)
	}
}

func TestGroupServiceAccountSelfManagedSetting(t *testing.T) {
	t.Parallel()
	clock := fakeserver.NewClock(start)
	s := Start(t, Options{Now: clock.Now, OwnersCannotCreateServiceAccounts: true})
	s.AddGroup("acme")
	owner := s.AddUser("carol", false)
	admin := s.AddUser("root", true)
	s.AddMember("acme", owner, levelOwner)
	ownerToken, _ := s.AddPersonalToken(owner, "t", []string{"api"}, start.AddDate(1, 0, 0))
	adminToken, _ := s.AddPersonalToken(admin, "t", []string{"api"}, start.AddDate(1, 0, 0))
	w := &world{t: t, s: s}

	w.call("POST", "/groups/acme/service_accounts", ownerToken, map[string]any{"username": "x"}).expect(t, http.StatusBadRequest)
	created := w.call("POST", "/groups/acme/service_accounts", adminToken, map[string]any{"username": "x"}).
		expect(t, http.StatusCreated).fields(t)
	saID := id(t, created, "id")
	// Owners still list the group's accounts and manage their tokens.
	w.call("GET", "/groups/acme/service_accounts", ownerToken, nil).expect(t, http.StatusOK)
	tok := w.call("POST", saPath("acme", saID, "/personal_access_tokens"), ownerToken,
		map[string]any{"name": "n", "scopes": []string{"read_api"}}).expect(t, http.StatusCreated).fields(t)
	w.call("DELETE", saPath("acme", saID, ""), ownerToken, nil).expect(t, http.StatusForbidden)
	w.call("DELETE", saPath("acme", saID, fmt.Sprintf("/personal_access_tokens/%d", id(t, tok, "id"))), ownerToken, nil).
		expect(t, http.StatusNoContent)
	w.call("DELETE", saPath("acme", saID, ""), adminToken, nil).expect(t, http.StatusNoContent)
}

func TestInstanceServiceAccount(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	created := w.call("POST", "/service_accounts", w.root, map[string]any{"username": "deploy-bot"}).
		expect(t, http.StatusCreated).fields(t)
	saID := id(t, created, "id")
	list := w.call("GET", "/service_accounts", w.root, nil).expect(t, http.StatusOK).list(t)
	if len(list) != 1 || list[0]["username"] != "deploy-bot" {
		t.Fatalf("list: %v", list)
	}
	// Its tokens come from the personal access tokens API, as an admin.
	tok := w.call("POST", userTokensPath(saID), w.root, map[string]any{"name": "n", "scopes": []string{"read_api"}}).
		expect(t, http.StatusCreated).fields(t)
	w.call("GET", "/user", str(t, tok, "token"), nil).expect(t, http.StatusOK)
	w.call("DELETE", fmt.Sprintf("/users/%d", saID), w.root, nil).expect(t, http.StatusNoContent)
	w.call("GET", "/user", str(t, tok, "token"), nil).expect(t, http.StatusUnauthorized)
	w.call("DELETE", fmt.Sprintf("/users/%d", saID), w.root, nil).expect(t, http.StatusNotFound)
}

func TestServiceAccountTokenFault(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	saID := w.s.AddServiceAccount("acme", "ci-bot")
	route := "/groups/{id}/service_accounts/{user_id}/personal_access_tokens"
	w.s.InjectFault(Fault{Method: "POST", Route: route, DropAfterCommit: true, Times: 1})
	_, err := w.send(t.Context(), noKeepAlive(), "POST", saPath("acme", saID, "/personal_access_tokens"), w.carol,
		map[string]any{"name": "lost", "scopes": []string{"read_api"}})
	if err == nil {
		t.Fatal("the answer was not dropped")
	}
	// The token was made: it is found by name and revoked.
	list := w.call("GET", saPath("acme", saID, "/personal_access_tokens?state=active&search=lost"), w.carol, nil).list(t)
	if len(list) != 1 {
		t.Fatalf("lost token not listed: %v", list)
	}
	w.call("DELETE", saPath("acme", saID, fmt.Sprintf("/personal_access_tokens/%d", id(t, list[0], "id"))), w.carol, nil).
		expect(t, http.StatusNoContent)
}

func TestServiceAccountTokenEndpointsNeed1711(t *testing.T) {
	t.Parallel()
	clock := fakeserver.NewClock(start)
	s := Start(t, Options{Now: clock.Now, Version: "17.10.2-ee"})
	s.AddGroup("acme")
	owner := s.AddUser("carol", false)
	s.AddMember("acme", owner, levelOwner)
	ownerToken, _ := s.AddPersonalToken(owner, "t", []string{"api"}, start.AddDate(1, 0, 0))
	saID := s.AddServiceAccount("acme", "ci-bot")
	w := &world{t: t, s: s}
	tok := w.call("POST", saPath("acme", saID, "/personal_access_tokens"), ownerToken,
		map[string]any{"name": "n", "scopes": []string{"read_api"}}).expect(t, http.StatusCreated).fields(t)
	w.call("GET", saPath("acme", saID, "/personal_access_tokens"), ownerToken, nil).expect(t, http.StatusNotFound)
	revoke := saPath("acme", saID, fmt.Sprintf("/personal_access_tokens/%d", id(t, tok, "id")))
	if msg := w.call("DELETE", revoke, ownerToken, nil).expect(t, http.StatusNotFound).message(t); msg != "404 Not Found" {
		t.Fatalf("message %q", msg)
	}
	// Still live: deleting the account is the way out on such a release.
	if _, live := s.Lookup(str(t, tok, "token")); !live {
		t.Fatal("the token died")
	}
	w.call("DELETE", saPath("acme", saID, ""), ownerToken, nil).expect(t, http.StatusNoContent)
}

func TestServiceAccountTokenRotateByOwner(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	saID := w.s.AddServiceAccount("acme", "ci-bot")
	tok := w.call("POST", saPath("acme", saID, "/personal_access_tokens"), w.carol,
		map[string]any{"name": "n", "scopes": []string{"read_api"}}).expect(t, http.StatusCreated).fields(t)
	rotate := saPath("acme", saID, fmt.Sprintf("/personal_access_tokens/%d/rotate", id(t, tok, "id")))
	next := w.call("POST", rotate, w.carol, nil).expect(t, http.StatusOK).fields(t)
	if next["name"] != "n" || next["expires_at"] != "2025-06-17" || id(t, next, "user_id") != saID {
		t.Fatalf("successor: %v", next)
	}
	w.call("GET", "/user", str(t, tok, "token"), nil).expect(t, http.StatusUnauthorized)
	w.call("DELETE", saPath("acme", saID, fmt.Sprintf("/personal_access_tokens/%d", id(t, next, "id"))), w.carol, nil).
		expect(t, http.StatusNoContent)
}
