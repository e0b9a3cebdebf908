package fakegitlab

import (
	"errors"
	"net/http"
	"testing"
	"time"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"
)

// The plugin talks to the fake through client-go; these tests prove the
// shapes decode there, the way they do from GitLab.

func (w *world) client(token string) *gitlab.Client {
	w.t.Helper()
	c, err := gitlab.NewClient(token, gitlab.WithBaseURL(w.s.URL()), gitlab.WithoutRetries())
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

func isoDate(y int, m time.Month, d int) *gitlab.ISOTime {
	return gitlab.Ptr(gitlab.ISOTime(time.Date(y, m, d, 0, 0, 0, 0, time.UTC)))
}

func wantStatus(t *testing.T, resp *gitlab.Response, err error, status int) {
	t.Helper()
	var gerr *gitlab.ErrorResponse
	if !errors.As(err, &gerr) || resp == nil || resp.StatusCode != status {
		t.Fatalf("want a %d error, got %v", status, err)
	}
}

func TestClientGoInstanceAndSelf(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c := w.client(w.alice)

	md, _, err := c.Metadata.GetMetadata()
	if err != nil || md.Version != defaultVersion {
		t.Fatalf("metadata %+v, %v", md, err)
	}
	self, _, err := c.PersonalAccessTokens.GetSinglePersonalAccessToken()
	if err != nil || self.UserID != w.aliceID || self.ExpiresAt == nil ||
		time.Time(*self.ExpiresAt).Format(time.DateOnly) != "2026-06-01" || !self.Active || self.CreatedAt == nil {
		t.Fatalf("self %+v, %v", self, err)
	}
	users, _, err := c.Users.ListUsers(&gitlab.ListUsersOptions{Username: gitlab.Ptr("bob")})
	if err != nil || len(users) != 1 || users[0].ID != w.bobID {
		t.Fatalf("users %+v, %v", users, err)
	}
	p, _, err := c.Projects.GetProject("acme/app", nil)
	if err != nil || p.ID != w.appID || p.PathWithNamespace != "acme/app" || p.Namespace.ID != w.groupID {
		t.Fatalf("project %+v, %v", p, err)
	}
	_, resp, err := c.Projects.GetProject("other/secret", nil)
	wantStatus(t, resp, err, http.StatusNotFound)
}

func TestClientGoProjectToken(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c := w.client(w.alice)

	created, _, err := c.ProjectAccessTokens.CreateProjectAccessToken("acme/app", &gitlab.CreateProjectAccessTokenOptions{
		Name:        gitlab.Ptr("vault-ci"),
		Description: gitlab.Ptr("role ci, requester alice"),
		Scopes:      &[]string{"read_repository", "read_api"},
		AccessLevel: gitlab.Ptr(gitlab.DeveloperPermissions),
		ExpiresAt:   isoDate(2025, 6, 20),
	})
	if err != nil || created.Token == "" || created.AccessLevel != gitlab.DeveloperPermissions ||
		time.Time(*created.ExpiresAt).Format(time.DateOnly) != "2025-06-20" || created.Description != "role ci, requester alice" {
		t.Fatalf("created %+v, %v", created, err)
	}
	list, _, err := c.ProjectAccessTokens.ListProjectAccessTokens("acme/app", nil)
	if err != nil || len(list) != 1 || list[0].ID != created.ID || list[0].Token != "" {
		t.Fatalf("list %+v, %v", list, err)
	}

	rotated, _, err := c.ProjectAccessTokens.RotateProjectAccessToken("acme/app", created.ID,
		&gitlab.RotateProjectAccessTokenOptions{ExpiresAt: isoDate(2025, 6, 25)})
	if err != nil || rotated.ID == created.ID || rotated.UserID != created.UserID {
		t.Fatalf("rotated %+v, %v", rotated, err)
	}
	if _, live := w.s.Lookup(created.Token); live {
		t.Fatal("old token live after rotation")
	}
	botClient := w.client(rotated.Token)
	if _, _, err := botClient.Projects.GetProject(w.appID, nil); err != nil {
		t.Fatalf("rotated token: %v", err)
	}

	if _, err := c.ProjectAccessTokens.RevokeProjectAccessToken("acme/app", rotated.ID); err != nil {
		t.Fatal(err)
	}
	// GitLab 17.9 and later revoke a revoked token again without complaint.
	if _, err := c.ProjectAccessTokens.RevokeProjectAccessToken("acme/app", rotated.ID); err != nil {
		t.Fatalf("second revoke: %v", err)
	}
	_, resp, err := botClient.Projects.GetProject(w.appID, nil)
	wantStatus(t, resp, err, http.StatusUnauthorized)
}

func TestClientGoGroupAndPersonalTokens(t *testing.T) {
	t.Parallel()
	w := newWorld(t)

	g, _, err := w.client(w.carol).GroupAccessTokens.CreateGroupAccessToken("acme", &gitlab.CreateGroupAccessTokenOptions{
		Name: gitlab.Ptr("g"), Scopes: &[]string{"read_api"}, AccessLevel: gitlab.Ptr(gitlab.ReporterPermissions),
		ExpiresAt: isoDate(2025, 6, 12),
	})
	if err != nil || g.AccessLevel != gitlab.ReporterPermissions {
		t.Fatalf("group token %+v, %v", g, err)
	}
	if _, err := w.client(w.carol).GroupAccessTokens.RevokeGroupAccessToken("acme", g.ID); err != nil {
		t.Fatal(err)
	}

	root := w.client(w.root)
	pat, _, err := root.Users.CreatePersonalAccessToken(w.bobID, &gitlab.CreatePersonalAccessTokenOptions{
		Name: gitlab.Ptr("p"), Scopes: &[]string{"read_api", "self_rotate"}, ExpiresAt: isoDate(2025, 7, 1),
	})
	if err != nil || pat.UserID != w.bobID || pat.Token == "" {
		t.Fatalf("personal token %+v, %v", pat, err)
	}
	_, resp, err := w.client(w.alice).Users.CreatePersonalAccessToken(w.bobID, &gitlab.CreatePersonalAccessTokenOptions{
		Name: gitlab.Ptr("p"), Scopes: &[]string{"read_api"},
	})
	wantStatus(t, resp, err, http.StatusForbidden)

	next, _, err := w.client(pat.Token).PersonalAccessTokens.RotatePersonalAccessTokenSelf(
		&gitlab.RotatePersonalAccessTokenOptions{ExpiresAt: isoDate(2025, 8, 1)})
	if err != nil || time.Time(*next.ExpiresAt).Format(time.DateOnly) != "2025-08-01" {
		t.Fatalf("self-rotated %+v, %v", next, err)
	}
	if _, err := root.PersonalAccessTokens.RevokePersonalAccessTokenByID(next.ID); err != nil {
		t.Fatal(err)
	}
	resp, err = root.PersonalAccessTokens.RevokePersonalAccessTokenByID(next.ID)
	wantStatus(t, resp, err, http.StatusNotFound)
}

func TestClientGoDeployToken(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	c := w.client(w.alice)
	expires := time.Date(2025, 6, 10, 18, 0, 0, 0, time.UTC)
	d, _, err := c.DeployTokens.CreateProjectDeployToken("acme/app", &gitlab.CreateProjectDeployTokenOptions{
		Name: gitlab.Ptr("pull"), Scopes: &[]string{"read_registry"}, ExpiresAt: &expires,
	})
	if err != nil || d.Token == "" || d.Username == "" || d.ExpiresAt == nil || !d.ExpiresAt.Equal(expires) {
		t.Fatalf("deploy token %+v, %v", d, err)
	}
	_, resp, err := w.client(d.Token).Projects.GetProject(w.appID, nil)
	wantStatus(t, resp, err, http.StatusUnauthorized)
	if _, err := c.DeployTokens.DeleteProjectDeployToken("acme/app", d.ID); err != nil {
		t.Fatal(err)
	}
	resp, err = c.DeployTokens.DeleteProjectDeployToken("acme/app", d.ID)
	wantStatus(t, resp, err, http.StatusNotFound)
}
