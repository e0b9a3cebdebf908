package fakegitlab

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestDeployTokenLifecycle(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	created := w.call("POST", "/projects/acme%2Fapp/deploy_tokens", w.alice, map[string]any{
		"name": "pull", "scopes": []string{"read_registry", "read_repository"}, "expires_at": "2025-06-10T18:30:00Z",
	}).expect(t, http.StatusCreated).fields(t)
	tokenID := id(t, created, "id")
	if created["username"] != "gitlab+deploy-token-"+strconv.FormatInt(tokenID, 10) ||
		created["expires_at"] != "2025-06-10T18:30:00.000Z" || created["revoked"] != false || created["expired"] != false {
		t.Fatalf("created: %v", created)
	}
	token := str(t, created, "token")
	if tok, live := w.s.Lookup(token); !live || tok.Kind != KindDeploy || tok.UserID != 0 ||
		!tok.ExpiresAt.Equal(time.Date(2025, 6, 10, 18, 30, 0, 0, time.UTC)) {
		t.Fatalf("lookup: %+v", tok)
	}

	list := w.call("GET", "/projects/acme%2Fapp/deploy_tokens", w.alice, nil).expect(t, http.StatusOK).list(t)
	if len(list) != 1 || list[0]["token"] != nil {
		t.Fatalf("list: %v", list)
	}
	path := "/projects/acme%2Fapp/deploy_tokens/" + strconv.FormatInt(tokenID, 10)
	w.call("GET", path, w.alice, nil).expect(t, http.StatusOK)

	// Deploy tokens expire at their instant, not at midnight.
	w.clock.Set(time.Date(2025, 6, 10, 18, 30, 0, 0, time.UTC))
	if _, live := w.s.Lookup(token); !live {
		t.Fatal("dead at its expiry instant; GitLab keeps expires_at >= NOW()")
	}
	w.clock.Set(time.Date(2025, 6, 10, 18, 30, 1, 0, time.UTC))
	if _, live := w.s.Lookup(token); live {
		t.Fatal("live after its expiry instant")
	}
	w.clock.Set(start)

	w.call("DELETE", path, w.alice, nil).expect(t, http.StatusNoContent)
	if _, live := w.s.Lookup(token); live {
		t.Fatal("live after delete")
	}
	if r := w.call("DELETE", path, w.alice, nil).expect(t, http.StatusNotFound); r.message(t) != "404 Not found" {
		t.Fatalf("second delete: %q", r.message(t))
	}
	w.call("GET", path, w.alice, nil).expect(t, http.StatusNotFound)
	if list := w.call("GET", "/projects/acme%2Fapp/deploy_tokens", w.alice, nil).list(t); len(list) != 0 {
		t.Fatalf("list after delete: %v", list)
	}
}

func TestDeployTokenValidation(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	w.s.AddMember("acme/platform", w.bobID, levelMaintainer)
	tests := []struct {
		name, path, token string
		body              map[string]any
		status            int
		message           string
	}{
		{"custom username", "/projects/acme%2Fapp", w.alice,
			map[string]any{"name": "n", "scopes": []string{"read_repository"}, "username": "ci+puller"}, http.StatusCreated, ""},
		{"comma-separated scopes", "/projects/acme%2Fapp", w.alice,
			map[string]any{"name": "n", "scopes": "read_registry,write_registry"}, http.StatusCreated, ""},
		{"no expiry", "/projects/acme%2Fapp", w.alice,
			map[string]any{"name": "n", "scopes": []string{"read_package_registry"}}, http.StatusCreated, ""},
		{"group owner", "/groups/acme", w.carol,
			map[string]any{"name": "n", "scopes": []string{"read_registry"}}, http.StatusCreated, ""},
		{"empty scopes", "/projects/acme%2Fapp", w.alice,
			map[string]any{"name": "n", "scopes": []string{}}, http.StatusBadRequest, "Scopes can't be blank"},
		{"missing fields", "/projects/acme%2Fapp", w.alice,
			map[string]any{}, http.StatusBadRequest, "name is missing, scopes is missing"},
		{"access token scope", "/projects/acme%2Fapp", w.alice,
			map[string]any{"name": "n", "scopes": []string{"api"}}, http.StatusBadRequest, "scopes does not have a valid value"},
		{"bad username", "/projects/acme%2Fapp", w.alice,
			map[string]any{"name": "n", "scopes": []string{"read_registry"}, "username": "no spaces"}, http.StatusBadRequest,
			"Username can contain only letters, digits, '_', '-', '+', and '.'"},
		{"bad expiry", "/projects/acme%2Fapp", w.alice,
			map[string]any{"name": "n", "scopes": []string{"read_registry"}, "expires_at": "tomorrow"}, http.StatusBadRequest, "expires_at is invalid"},
		{"developer", "/projects/acme%2Fapp", w.bob,
			map[string]any{"name": "n", "scopes": []string{"read_registry"}}, http.StatusForbidden, "403 Forbidden"},
		{"group maintainer", "/groups/acme%2Fplatform", w.bob,
			map[string]any{"name": "n", "scopes": []string{"read_registry"}}, http.StatusForbidden, "403 Forbidden"},
		{"non-member", "/projects/other%2Fsecret", w.alice,
			map[string]any{"name": "n", "scopes": []string{"read_registry"}}, http.StatusNotFound, "404 Project Not Found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := w.call("POST", tc.path+"/deploy_tokens", tc.token, tc.body).expect(t, tc.status)
			if tc.message != "" && r.message(t) != tc.message {
				t.Fatalf("message %q", r.message(t))
			}
			if tc.status != http.StatusCreated {
				return
			}
			created := r.fields(t)
			if u, ok := tc.body["username"]; ok && created["username"] != u {
				t.Fatalf("username %v", created["username"])
			}
			w.call("DELETE", tc.path+"/deploy_tokens/"+strconv.FormatInt(id(t, created, "id"), 10), tc.token, nil).
				expect(t, http.StatusNoContent)
		})
	}
	// A group maintainer may list but not delete.
	w.call("GET", "/groups/acme%2Fplatform/deploy_tokens", w.bob, nil).expect(t, http.StatusOK)
	w.call("GET", "/projects/acme%2Fapp/deploy_tokens", w.bob, nil).expect(t, http.StatusForbidden)
	w.call("DELETE", "/projects/acme%2Fapp/deploy_tokens/abc", w.alice, nil).expect(t, http.StatusBadRequest)
}
