package fakegitlab

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
)

// start is 2025-06-10 12:00 UTC.
var start = time.Date(2025, 6, 10, 12, 0, 0, 0, time.UTC)

// world is the instance most tests run against:
//
//	acme                    group; carol is Owner
//	acme/app                project; alice Maintainer, bob Developer, dave Guest
//	acme/platform/api       project in a subgroup
//	other/secret            project nobody above belongs to
//
// root is an administrator. Each user has a seeded "api" token.
type world struct {
	t     *testing.T
	s     *Server
	clock *fakeserver.Clock

	rootID, aliceID, bobID, carolID, daveID int64
	root, alice, bob, carol, dave           string

	groupID, appID, apiID, secretID int64
}

func newWorld(t *testing.T) *world {
	t.Helper()
	clock := fakeserver.NewClock(start)
	s := Start(t, Options{Now: clock.Now})
	w := &world{t: t, s: s, clock: clock}
	w.groupID = s.AddGroup("acme")
	w.appID = s.AddProject("acme/app")
	w.apiID = s.AddProject("acme/platform/api")
	w.secretID = s.AddProject("other/secret")

	expires := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	seedUser := func(name string, admin bool) (int64, string) {
		id := s.AddUser(name, admin)
		tok, _ := s.AddPersonalToken(id, name+"-token", []string{"api"}, expires)
		return id, tok
	}
	w.rootID, w.root = seedUser("root", true)
	w.aliceID, w.alice = seedUser("alice", false)
	w.bobID, w.bob = seedUser("bob", false)
	w.carolID, w.carol = seedUser("carol", false)
	w.daveID, w.dave = seedUser("dave", false)
	s.AddMember("acme/app", w.aliceID, levelMaintainer)
	s.AddMember("acme/app", w.bobID, levelDeveloper)
	s.AddMember("acme/app", w.daveID, levelGuest)
	s.AddMember("acme", w.carolID, levelOwner)
	return w
}

// response is one answer from the fake.
type response struct {
	status int
	header http.Header
	body   []byte
}

// call sends a request to /api/v4+path with PRIVATE-TOKEN; a non-nil body
// is sent as JSON.
func (w *world) call(method, path, token string, body any) response {
	w.t.Helper()
	return w.callContext(context.Background(), http.DefaultClient, method, path, token, body)
}

func (w *world) callContext(ctx context.Context, client *http.Client, method, path, token string, body any) response {
	w.t.Helper()
	resp, err := w.send(ctx, client, method, path, token, body)
	if err != nil {
		w.t.Fatalf("%s %s: %v", method, path, err)
	}
	return resp
}

func (w *world) send(ctx context.Context, client *http.Client, method, path, token string, body any) (response, error) {
	var reader io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			w.t.Fatal(err)
		}
		reader = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, w.s.URL()+"/api/v4"+path, reader)
	if err != nil {
		w.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("PRIVATE-TOKEN", token)
	}
	resp, err := client.Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}
	return response{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// expect fails the test unless the status matches.
func (r response) expect(t *testing.T, status int) response {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	return r
}

// fields decodes a JSON object.
func (r response) fields(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	return m
}

// list decodes a JSON array of objects.
func (r response) list(t *testing.T) []map[string]any {
	t.Helper()
	var l []map[string]any
	if err := json.Unmarshal(r.body, &l); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	return l
}

// message is the GitLab error text, from "message" or "error".
func (r response) message(t *testing.T) string {
	t.Helper()
	m := r.fields(t)
	if msg, ok := m["message"].(string); ok {
		return msg
	}
	if msg, ok := m["error"].(string); ok {
		return msg
	}
	t.Fatalf("no message in %s", r.body)
	return ""
}

// id reads a numeric field.
func id(t *testing.T, m map[string]any, key string) int64 {
	t.Helper()
	n, ok := m[key].(float64)
	if !ok {
		t.Fatalf("no numeric %q in %v", key, m)
	}
	return int64(n)
}

// str reads a string field.
func str(t *testing.T, m map[string]any, key string) string {
	t.Helper()
	s, ok := m[key].(string)
	if !ok {
		t.Fatalf("no string %q in %v", key, m)
	}
	return s
}

// createProjectToken makes a project access token on acme/app as alice.
func (w *world) createProjectToken(body map[string]any) map[string]any {
	w.t.Helper()
	if body == nil {
		body = map[string]any{}
	}
	if _, ok := body["name"]; !ok {
		body["name"] = "ci"
	}
	if _, ok := body["scopes"]; !ok {
		body["scopes"] = []string{"read_repository"}
	}
	if _, ok := body["expires_at"]; !ok {
		body["expires_at"] = "2025-06-20"
	}
	return w.call("POST", "/projects/acme%2Fapp/access_tokens", w.alice, body).expect(w.t, http.StatusCreated).fields(w.t)
}

// noKeepAlive is a client whose requests each use a fresh connection, so
// that Go's transport never silently retries a request on a dropped one.
func noKeepAlive() *http.Client {
	return &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
}
