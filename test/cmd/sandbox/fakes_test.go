package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// startFake starts a fake with its backends the way run does, in a
// temporary directory, until the test ends.
func startFake(t *testing.T, start func(context.Context, string, func(string, ...any), func(func())) (connection, error)) connection {
	t.Helper()
	conn, err := start(context.Background(), t.TempDir(), t.Logf, t.Cleanup)
	if err != nil {
		t.Fatal(err)
	}
	if conn.local == nil {
		t.Fatal("the fake has no backends")
	}
	if got := conn.config["registry_host"]; got != conn.local.registryHost {
		t.Fatalf("registry_host = %v, want the local registry %s", got, conn.local.registryHost)
	}
	return conn
}

// githubToken mints an installation token at the fake GitHub as the engine
// does: an App JWT signed with the connection's key, the installation on
// the owner, then POST .../access_tokens with body.
func githubToken(t *testing.T, conn connection, body string) string {
	t.Helper()
	key, err := jwt.ParseRSAPrivateKeyFromPEM([]byte(conn.config["private_key"].(string)))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	appJWT, err := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims{
		"iat": now.Add(-30 * time.Second).Unix(), "exp": now.Add(5 * time.Minute).Unix(), "iss": fakeAppID,
	}).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	auth := map[string]string{"Authorization": "Bearer " + appJWT}
	var installation struct{ ID int64 }
	callAPI(t, http.MethodGet, conn.url+"/orgs/"+fakeOwner+"/installation", auth, "", &installation)
	var token struct{ Token string }
	callAPI(t, http.MethodPost, fmt.Sprintf("%s/app/installations/%d/access_tokens", conn.url, installation.ID), auth, body, &token)
	return token.Token
}

// gitlabDeployToken is a deploy token the fake GitLab created on the
// sandbox's project, as the engine has gl-deploy tokens created.
type gitlabDeployToken struct {
	ID       int64
	Username string
	Token    string
}

func newGitLabDeployToken(t *testing.T, conn connection, scopes ...string) gitlabDeployToken {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"name": "sandbox-test", "scopes": scopes})
	var tok gitlabDeployToken
	callAPI(t, http.MethodPost, gitlabDeployTokensURL(conn), gitlabAdmin(conn), string(body), &tok)
	return tok
}

func gitlabDeployTokensURL(conn connection) string {
	return conn.url + "/api/v4/projects/" + url.PathEscape(fakeProject) + "/deploy_tokens"
}

// gitlabAdmin authenticates as the connection's own admin token.
func gitlabAdmin(conn connection) map[string]string {
	return map[string]string{"PRIVATE-TOKEN": conn.config["token"].(string)}
}

// callAPI sends a JSON request to a fake and decodes its 2xx answer into
// out, unless out is nil.
func callAPI(t *testing.T, method, url string, headers map[string]string, body string, out any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("User-Agent", "sandbox-test")
	req.Header.Set("Content-Type", "application/json")
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		t.Fatalf("%s %s: status %d: %s", method, url, resp.StatusCode, data)
	}
	if out == nil {
		return
	}
	if err := json.Unmarshal(data, out); err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
}

// giteaToken creates an access token of the bot at the fake Gitea as the
// engine does (POST /users/{bot}/tokens with the bot's password) and
// returns its value.
func giteaToken(t *testing.T, conn connection, body string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, conn.url+"/api/v1/users/"+fakeGiteaBot+"/tokens", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.SetBasicAuth(fakeGiteaBot, conn.config["password"].(string))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tok struct{ Sha1 string }
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != http.StatusCreated || tok.Sha1 == "" {
		t.Fatalf("create a Gitea token: status %d (%v)", resp.StatusCode, err)
	}
	return tok.Sha1
}
