package fakegitlab

import (
	"net/http"
	"regexp"
	"strconv"
	"testing"
	"time"
)

func tokenPath(base string, m map[string]any, t *testing.T) string {
	return base + "/" + strconv.FormatInt(id(t, m, "id"), 10)
}

func TestProjectTokenLifecycle(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	created := w.createProjectToken(map[string]any{"access_level": 30, "description": "deploys", "scopes": []string{"read_api"}})
	if created["access_level"] != float64(30) || created["expires_at"] != "2025-06-20" || created["revoked"] != false ||
		created["active"] != true || created["resource_type"] != "project" || id(t, created, "resource_id") != w.appID ||
		created["last_used_at"] != nil || created["description"] != "deploys" {
		t.Fatalf("created: %v", created)
	}
	token := str(t, created, "token")
	botID := id(t, created, "user_id")

	// The bot user exists, is a member at the token's level, and its token
	// works on the project.
	bot := w.call("GET", "/users/"+strconv.FormatInt(botID, 10), w.alice, nil).expect(t, http.StatusOK).fields(t)
	botName := regexp.MustCompile(`^project_` + strconv.FormatInt(w.appID, 10) + `_bot_[0-9a-f]{32}$`)
	if !botName.MatchString(str(t, bot, "username")) || bot["bot"] != true {
		t.Fatalf("bot: %v", bot)
	}
	p := w.call("GET", "/projects/acme%2Fapp", token, nil).expect(t, http.StatusOK).fields(t)
	if level := p["permissions"].(map[string]any)["project_access"].(map[string]any)["access_level"]; level != float64(30) {
		t.Fatalf("bot's level %v", level)
	}
	w.call("GET", "/projects/other%2Fsecret", token, nil).expect(t, http.StatusNotFound)
	tok, live := w.s.Lookup(token)
	if !live || tok.Kind != KindProject || tok.Parent != "projects/"+strconv.FormatInt(w.appID, 10) ||
		tok.AccessLevel != 30 || tok.Username != bot["username"] || tok.UserID != botID {
		t.Fatalf("lookup: %+v", tok)
	}

	// Revocation ends the token; since GitLab 17.9 the bot stays, and the
	// token stays listed, inactive. Revoking it again is still a 204.
	path := tokenPath("/projects/acme%2Fapp/access_tokens", created, t)
	w.call("DELETE", path, w.alice, nil).expect(t, http.StatusNoContent)
	w.call("GET", "/user", token, nil).expect(t, http.StatusUnauthorized)
	w.call("GET", "/users/"+strconv.FormatInt(botID, 10), w.alice, nil).expect(t, http.StatusOK)
	w.call("DELETE", path, w.alice, nil).expect(t, http.StatusNoContent)
	list := w.call("GET", "/projects/acme%2Fapp/access_tokens", w.alice, nil).list(t)
	if len(list) != 1 || list[0]["revoked"] != true || list[0]["active"] != false {
		t.Fatalf("list after revoke: %v", list)
	}
	if active := w.call("GET", "/projects/acme%2Fapp/access_tokens?state=active", w.alice, nil).list(t); len(active) != 0 {
		t.Fatalf("active after revoke: %v", active)
	}
	w.call("DELETE", "/projects/acme%2Fapp/access_tokens/999999", w.alice, nil).expect(t, http.StatusNotFound)
}

func TestProjectTokenDefaults(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	r := w.call("POST", "/projects/acme%2Fapp/access_tokens", w.alice,
		map[string]any{"name": "d", "scopes": []string{"read_api"}}).expect(t, http.StatusCreated).fields(t)
	if r["access_level"] != float64(levelMaintainer) || r["expires_at"] != "2026-06-10" {
		t.Fatalf("defaults: %v", r)
	}
	w.call("DELETE", tokenPath("/projects/acme%2Fapp/access_tokens", r, t), w.alice, nil).expect(t, http.StatusNoContent)
}

func TestResourceTokenPermissions(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.s.AddMember("acme/platform", w.bobID, levelMaintainer)
	botToken := str(t, w.createProjectToken(map[string]any{"scopes": []string{"api"}}), "token")
	w.s.AllowLiveTokens() // the successful creations below are not revoked one by one

	const noPermission = "400 Bad request - User does not have permission to create project access token"
	const ceiling = "400 Bad request - Access level of the token contains permissions not held by the creating user"
	tests := []struct {
		name, path, token string
		level             int
		status            int
		message           string
	}{
		{"maintainer at own level", "/projects/acme%2Fapp", w.alice, 40, http.StatusCreated, ""},
		{"maintainer below own level", "/projects/acme%2Fapp", w.alice, 10, http.StatusCreated, ""},
		{"maintainer above own level", "/projects/acme%2Fapp", w.alice, 50, http.StatusBadRequest, ceiling},
		{"developer", "/projects/acme%2Fapp", w.bob, 30, http.StatusBadRequest, noPermission},
		{"guest", "/projects/acme%2Fapp", w.dave, 10, http.StatusBadRequest, noPermission},
		{"inherited owner", "/projects/acme%2Fapp", w.carol, 50, http.StatusCreated, ""},
		{"administrator", "/projects/other%2Fsecret", w.root, 50, http.StatusCreated, ""},
		{"a project token cannot mint tokens", "/projects/acme%2Fapp", botToken, 10, http.StatusBadRequest, noPermission},
		{"non-member", "/projects/other%2Fsecret", w.alice, 10, http.StatusNotFound, "404 Project Not Found"},
		{"group owner", "/groups/acme", w.carol, 50, http.StatusCreated, ""},
		{"group maintainer", "/groups/acme%2Fplatform", w.bob, 30, http.StatusBadRequest,
			"400 Bad request - User does not have permission to create group access token"},
		{"project member on the group", "/groups/acme", w.alice, 10, http.StatusNotFound, "404 Group Not Found"},
		{"level that does not exist", "/projects/acme%2Fapp", w.alice, 35, http.StatusBadRequest, "access_level does not have a valid value"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := w.call("POST", tc.path+"/access_tokens", tc.token, map[string]any{
				"name": "t", "scopes": []string{"read_api"}, "expires_at": "2025-06-20", "access_level": tc.level,
			}).expect(t, tc.status)
			if tc.message != "" && r.message(t) != tc.message {
				t.Fatalf("message %q", r.message(t))
			}
			if tc.status == http.StatusCreated && r.fields(t)["access_level"] != float64(tc.level) {
				t.Fatalf("level %v", r.fields(t)["access_level"])
			}
		})
	}
}

func TestResourceTokenScopes(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	tests := []struct {
		kind, path, scope string
		ok                bool
	}{
		{"project", "/projects/acme%2Fapp", "api", true},
		{"project", "/projects/acme%2Fapp", "self_rotate", true},
		{"project", "/projects/acme%2Fapp", "write_registry", true},
		{"project", "/projects/acme%2Fapp", "read_user", false},
		{"project", "/projects/acme%2Fapp", "sudo", false},
		{"project", "/projects/acme%2Fapp", "admin_mode", false},
		{"project", "/projects/acme%2Fapp", "read_virtual_registry", false},
		{"project", "/projects/acme%2Fapp", "read_package_registry", false},
		{"group", "/groups/acme", "read_virtual_registry", true},
		{"group", "/groups/acme", "read_user", false},
		{"group", "/groups/acme", "read_service_ping", false},
	}
	for _, tc := range tests {
		t.Run(tc.kind+" "+tc.scope, func(t *testing.T) {
			r := w.call("POST", tc.path+"/access_tokens", w.carol, map[string]any{
				"name": "t", "scopes": []string{"read_api", tc.scope}, "expires_at": "2025-06-20",
			})
			if !tc.ok {
				r.expect(t, http.StatusBadRequest)
				if r.message(t) != "scopes does not have a valid value" {
					t.Fatalf("message %q", r.message(t))
				}
				return
			}
			created := r.expect(t, http.StatusCreated).fields(t)
			w.call("DELETE", tokenPath(tc.path+"/access_tokens", created, t), w.carol, nil).expect(t, http.StatusNoContent)
		})
	}
}

func TestAccessTokenExpiryRules(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		now     time.Time
		expires string
		status  int
		message string
	}{
		{"tomorrow, a second before midnight", time.Date(2025, 6, 10, 23, 59, 59, 0, time.UTC), "2025-06-11", http.StatusCreated, ""},
		{"today, a second before midnight", time.Date(2025, 6, 10, 23, 59, 59, 0, time.UTC), "2025-06-10", http.StatusBadRequest,
			"400 Bad request - Expiration date must be in the future"},
		{"today, at midnight", time.Date(2025, 6, 11, 0, 0, 0, 0, time.UTC), "2025-06-11", http.StatusBadRequest,
			"400 Bad request - Expiration date must be in the future"},
		{"yesterday", start, "2025-06-09", http.StatusBadRequest, "400 Bad request - Expiration date must be in the future"},
		{"the server's zone is not the day", time.Date(2025, 6, 10, 20, 0, 0, 0, time.FixedZone("EST", -5*3600)), "2025-06-11",
			http.StatusBadRequest, "400 Bad request - Expiration date must be in the future"},
		{"exactly 365 days", start, "2026-06-10", http.StatusCreated, ""},
		{"366 days", start, "2026-06-11", http.StatusBadRequest, "400 Bad request - Expiration date must be before 2026-06-10"},
		{"timestamp taken as its date", start, "2025-06-20T10:30:00Z", http.StatusCreated, ""},
		{"not a date", start, "2025-13-01", http.StatusBadRequest, "expires_at is invalid"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t)
			w.clock.Set(tc.now)
			r := w.call("POST", "/projects/acme%2Fapp/access_tokens", w.alice, map[string]any{
				"name": "t", "scopes": []string{"read_api"}, "expires_at": tc.expires,
			}).expect(t, tc.status)
			if tc.message != "" && r.message(t) != tc.message {
				t.Fatalf("message %q", r.message(t))
			}
			if tc.status == http.StatusCreated {
				w.call("DELETE", tokenPath("/projects/acme%2Fapp/access_tokens", r.fields(t), t), w.alice, nil).
					expect(t, http.StatusNoContent)
			}
		})
	}
}

func TestAccessTokenDiesAtUTCMidnight(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	token := str(t, w.createProjectToken(map[string]any{"expires_at": "2025-06-12", "scopes": []string{"read_api"}}), "token")

	w.clock.Set(time.Date(2025, 6, 11, 23, 59, 59, 999_000_000, time.UTC))
	w.call("GET", "/projects/acme%2Fapp", token, nil).expect(t, http.StatusOK)
	if _, live := w.s.Lookup(token); !live {
		t.Fatal("dead before midnight")
	}
	w.clock.Set(time.Date(2025, 6, 12, 0, 0, 0, 0, time.UTC))
	w.call("GET", "/projects/acme%2Fapp", token, nil).expect(t, http.StatusUnauthorized)
	if _, live := w.s.Lookup(token); live {
		t.Fatal("live at midnight")
	}
	// Expired is not live: the leak check is satisfied without a revoke,
	// and GitLab still lists the token, inactive.
	list := w.call("GET", "/projects/acme%2Fapp/access_tokens", w.alice, nil).list(t)
	if len(list) != 1 || list[0]["active"] != false || list[0]["revoked"] != false {
		t.Fatalf("list: %v", list)
	}
}

func TestResourceTokenListAndGet(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	first := w.createProjectToken(map[string]any{"name": "one"})
	second := w.createProjectToken(map[string]any{"name": "two"})

	r := w.call("GET", "/projects/acme%2Fapp/access_tokens?per_page=1", w.alice, nil).expect(t, http.StatusOK)
	if page := r.list(t); len(page) != 1 || page[0]["name"] != "one" {
		t.Fatalf("page 1: %v", page)
	}
	if r.header.Get("X-Total") != "2" || r.header.Get("X-Next-Page") != "2" {
		t.Fatalf("pagination headers: %v", r.header)
	}
	if page := w.call("GET", "/projects/acme%2Fapp/access_tokens?per_page=1&page=2", w.alice, nil).list(t); page[0]["name"] != "two" {
		t.Fatalf("page 2: %v", page)
	}

	got := w.call("GET", tokenPath("/projects/acme%2Fapp/access_tokens", first, t), w.alice, nil).expect(t, http.StatusOK).fields(t)
	if _, shown := got["token"]; shown || got["name"] != "one" {
		t.Fatalf("get: %v", got)
	}
	// Reading tokens needs the managing role; a developer gets 401.
	w.call("GET", "/projects/acme%2Fapp/access_tokens", w.bob, nil).expect(t, http.StatusUnauthorized)
	w.call("GET", "/projects/acme%2Fapp/access_tokens/999999", w.alice, nil).expect(t, http.StatusNotFound)
	// A token of one project is not found under another.
	w.call("GET", "/projects/acme%2Fplatform%2Fapi/access_tokens/"+strconv.FormatInt(id(t, first, "id"), 10), w.carol, nil).
		expect(t, http.StatusNotFound)

	// A developer cannot revoke.
	r = w.call("DELETE", tokenPath("/projects/acme%2Fapp/access_tokens", second, t), w.bob, nil).expect(t, http.StatusBadRequest)
	if r.message(t) != "400 Bad request - bob cannot delete two" {
		t.Fatalf("message %q", r.message(t))
	}
	for _, m := range []map[string]any{first, second} {
		w.call("DELETE", tokenPath("/projects/acme%2Fapp/access_tokens", m, t), w.alice, nil).expect(t, http.StatusNoContent)
	}
}

func TestGroupTokenReachesSubprojects(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	created := w.call("POST", "/groups/acme/access_tokens", w.carol, map[string]any{
		"name": "g", "scopes": []string{"read_api"}, "expires_at": "2025-06-20", "access_level": 20,
	}).expect(t, http.StatusCreated).fields(t)
	token := str(t, created, "token")
	if created["resource_type"] != "group" || id(t, created, "resource_id") != w.groupID {
		t.Fatalf("created: %v", created)
	}
	bot := w.call("GET", "/users/"+strconv.FormatInt(id(t, created, "user_id"), 10), w.carol, nil).fields(t)
	if !regexp.MustCompile(`^group_` + strconv.FormatInt(w.groupID, 10) + `_bot_[0-9a-f]{32}$`).MatchString(str(t, bot, "username")) {
		t.Fatalf("bot: %v", bot)
	}
	w.call("GET", "/projects/acme%2Fplatform%2Fapi", token, nil).expect(t, http.StatusOK)
	w.call("GET", "/projects/other%2Fsecret", token, nil).expect(t, http.StatusNotFound)
	if tok, _ := w.s.Lookup(token); tok.Kind != KindGroup || tok.Parent != "groups/"+strconv.FormatInt(w.groupID, 10) {
		t.Fatalf("lookup: %+v", tok)
	}
	w.call("DELETE", tokenPath("/groups/acme/access_tokens", created, t), w.carol, nil).expect(t, http.StatusNoContent)
	w.call("GET", "/projects/acme%2Fplatform%2Fapi", token, nil).expect(t, http.StatusUnauthorized)
}
