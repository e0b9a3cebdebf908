package main

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
)

// The tour's CI jobs get ID tokens of their own project, and projects get
// distinct project_ids: the JWT role's user_claim, so they never share an
// entity and its alias metadata.
func TestCIIssuerMintsAJobPerProject(t *testing.T) {
	t.Parallel()
	var stops []func()
	ci, err := startCIIssuer(func(stop func()) { stops = append(stops, stop) })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, stop := range stops {
			stop()
		}
	})
	ids := map[string]string{}
	for _, project := range []string{fakeProject, ciOtherProject} {
		resp, err := http.Get(ci.URL() + "/ci/id-token?project=" + project)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		claims := jwt.MapClaims{}
		if _, _, err := jwt.NewParser().ParseUnverified(strings.TrimSpace(string(raw)), claims); err != nil {
			t.Fatalf("%s: %v", project, err)
		}
		if claims["project_path"] != project || claims["aud"] != ciAudience || claims["iss"] != ci.URL() {
			t.Fatalf("claims %v", claims)
		}
		ids[claims["project_id"].(string)] = project
	}
	if len(ids) != 2 {
		t.Fatalf("projects share a project_id: %v", ids)
	}
	tour := ciTour("git", ci)
	for _, want := range []string{"project=" + fakeProject, "project=" + ciOtherProject, "project=" + ciOutsider, "vault read git/creds/" + ciRole} {
		if !strings.Contains(tour, want) {
			t.Errorf("tour lacks %q:\n%s", want, tour)
		}
	}
}
