package fakegitlab

import (
	"encoding/json"
	"net/http"
	"strconv"
	"testing"
	"time"
)

func TestMetadataAndVersion(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	for _, path := range []string{"/metadata", "/version"} {
		m := w.call("GET", path, w.alice, nil).expect(t, http.StatusOK).fields(t)
		if m["version"] != defaultVersion {
			t.Fatalf("%s: %v", path, m)
		}
	}
	other := Start(t, Options{Version: "17.11.2"})
	uid := other.AddUser("u", false)
	tok, _ := other.AddPersonalToken(uid, "t", []string{"read_api"}, time.Time{})
	req, _ := http.NewRequest("GET", other.URL()+"/api/v4/metadata", nil)
	req.Header.Set("PRIVATE-TOKEN", tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil || m["version"] != "17.11.2" {
		t.Fatalf("status %d, metadata %v, %v", resp.StatusCode, m, err)
	}
}

func TestUsers(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	me := w.call("GET", "/user", w.alice, nil).expect(t, http.StatusOK).fields(t)
	if id(t, me, "id") != w.aliceID || me["username"] != "alice" || me["bot"] != false {
		t.Fatalf("/user: %v", me)
	}
	if _, shown := me["is_admin"]; shown {
		t.Fatal("is_admin shown to a non-administrator")
	}
	if admin := w.call("GET", "/user", w.root, nil).fields(t); admin["is_admin"] != true {
		t.Fatalf("/user for root: %v", admin)
	}

	found := w.call("GET", "/users?username=bob", w.alice, nil).expect(t, http.StatusOK).list(t)
	if len(found) != 1 || id(t, found[0], "id") != w.bobID {
		t.Fatalf("users?username=bob: %v", found)
	}
	if none := w.call("GET", "/users?username=nobody", w.alice, nil).expect(t, http.StatusOK); string(none.body) != "[]" {
		t.Fatalf("unknown username: %s", none.body)
	}

	w.call("GET", "/users/"+strconv.FormatInt(w.bobID, 10), w.alice, nil).expect(t, http.StatusOK)
	r := w.call("GET", "/users/999999", w.alice, nil).expect(t, http.StatusNotFound)
	if r.message(t) != "404 User Not Found" {
		t.Fatalf("body %s", r.body)
	}
}

func TestProjectsAndGroups(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	tests := []struct {
		name, path, token string
		status            int
		message           string
	}{
		{"project by path", "/projects/acme%2Fapp", w.alice, http.StatusOK, ""},
		{"project by id", "/projects/" + strconv.FormatInt(w.appID, 10), w.alice, http.StatusOK, ""},
		{"project via group membership", "/projects/acme%2Fplatform%2Fapi", w.carol, http.StatusOK, ""},
		{"project of another group", "/projects/other%2Fsecret", w.carol, http.StatusNotFound, "404 Project Not Found"},
		{"administrator sees all", "/projects/other%2Fsecret", w.root, http.StatusOK, ""},
		{"unknown project", "/projects/acme%2Fnope", w.alice, http.StatusNotFound, "404 Project Not Found"},
		{"group id is not a project id", "/projects/" + strconv.FormatInt(w.groupID, 10), w.root, http.StatusNotFound, "404 Project Not Found"},
		{"group by path", "/groups/acme", w.carol, http.StatusOK, ""},
		{"subgroup by path", "/groups/acme%2Fplatform", w.carol, http.StatusOK, ""},
		{"group of a project member", "/groups/acme", w.alice, http.StatusNotFound, "404 Group Not Found"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := w.call("GET", tc.path, tc.token, nil).expect(t, tc.status)
			if tc.message != "" && r.message(t) != tc.message {
				t.Fatalf("message %q", r.message(t))
			}
		})
	}

	p := w.call("GET", "/projects/acme%2Fapp", w.alice, nil).fields(t)
	if p["path_with_namespace"] != "acme/app" || id(t, p, "id") != w.appID {
		t.Fatalf("project: %v", p)
	}
	ns := p["namespace"].(map[string]any)
	if id(t, ns, "id") != w.groupID || ns["full_path"] != "acme" {
		t.Fatalf("namespace: %v", ns)
	}
	perms := p["permissions"].(map[string]any)["project_access"].(map[string]any)
	if id(t, perms, "access_level") != levelMaintainer {
		t.Fatalf("permissions: %v", perms)
	}
	g := w.call("GET", "/groups/acme%2Fplatform", w.carol, nil).fields(t)
	if g["full_path"] != "acme/platform" || id(t, g, "parent_id") != w.groupID {
		t.Fatalf("group: %v", g)
	}
}

func TestDeleteProject(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	access := str(t, w.createProjectToken(nil), "token")
	deploy := str(t, w.call("POST", "/projects/acme%2Fapp/deploy_tokens", w.alice, map[string]any{
		"name": "pull", "scopes": []string{"read_repository"},
	}).expect(t, http.StatusCreated).fields(t), "token")

	w.s.DeleteProject("acme/app")
	app := "/projects/" + strconv.FormatInt(w.appID, 10)
	for _, path := range []string{"/projects/acme%2Fapp", app, app + "/access_tokens", app + "/deploy_tokens"} {
		if r := w.call("GET", path, w.root, nil).expect(t, http.StatusNotFound); r.message(t) != "404 Project Not Found" {
			t.Fatalf("GET %s: %q", path, r.message(t))
		}
	}
	for _, token := range []string{access, deploy} {
		if _, live := w.s.Lookup(token); live {
			t.Fatal("a token of the deleted project still works")
		}
	}
	w.call("GET", "/user", access, nil).expect(t, http.StatusUnauthorized)
	// The rest of the instance is untouched.
	w.call("GET", "/projects/acme%2Fplatform%2Fapi", w.carol, nil).expect(t, http.StatusOK)
}

// TestProjectRegistryImagePrefix: project JSON names the instance's
// registry in container_registry_image_prefix, and leaves it out when the
// instance has no registry.
func TestProjectRegistryImagePrefix(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		opts Options
		want any
	}{
		{"registry on its own host", Options{RegistryHost: "registry.example.test:5050"}, "registry.example.test:5050/acme/my-app"},
		{"registry disabled", Options{RegistryDisabled: true}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := Start(t, tc.opts)
			s.AddGroup("acme")
			s.AddProject("acme/My-App")
			admin := s.AddUser("root", true)
			tok, _ := s.AddPersonalToken(admin, "t", []string{"api"}, time.Now().AddDate(0, 1, 0))
			w := &world{t: t, s: s}
			p := w.call("GET", "/projects/acme%2FMy-App", tok, nil).expect(t, http.StatusOK).fields(t)
			if got, present := p["container_registry_image_prefix"]; got != tc.want || present != (tc.want != nil) {
				t.Fatalf("container_registry_image_prefix = %v (present %v), want %v", got, present, tc.want)
			}
		})
	}
}
