package github

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	gogithub "github.com/google/go-github/v75/github"
)

// TestPermissionTableMatchesGoGitHub proves every permission the table
// accepts is a field of go-github's InstallationPermissions, so a request
// body never silently drops one.
func TestPermissionTableMatchesGoGitHub(t *testing.T) {
	t.Parallel()
	fields := map[string]bool{}
	typ := reflect.TypeFor[gogithub.InstallationPermissions]()
	for i := range typ.NumField() {
		name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ",")
		fields[name] = true
	}
	for name, set := range permissionLevels {
		if !fields[name] {
			t.Errorf("permission %q has no field in go-github's InstallationPermissions", name)
		}
		if len(set.levels()) == 0 {
			t.Errorf("permission %q takes no level", name)
		}
		// The runtime guard agrees: each name at each level survives the
		// conversion to the request body.
		for _, level := range set.levels() {
			if _, err := installationPermissions(map[string]string{name: level}); err != nil {
				t.Errorf("%s=%s: %v", name, level, err)
			}
		}
	}
}

func TestInstallationPermissionsRefusesWhatGoGitHubDrops(t *testing.T) {
	t.Parallel()
	_, err := installationPermissions(map[string]string{"contents": "read", "email_addresses": "read"})
	if err == nil || !strings.Contains(err.Error(), `"email_addresses"`) {
		t.Fatalf("error = %v, want it to name email_addresses", err)
	}
}

func TestCheckPermission(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, level string
		wantName    string
		wantLevel   string
		wantErr     string
	}{
		{name: "contents", level: "read", wantName: "contents", wantLevel: "read"},
		{name: " Contents ", level: "WRITE", wantName: "contents", wantLevel: "write"},
		{name: "repository_projects", level: "admin", wantName: "repository_projects", wantLevel: "admin"},
		{name: "workflows", level: "write", wantName: "workflows", wantLevel: "write"},
		{name: "organization_plan", level: "read", wantName: "organization_plan", wantLevel: "read"},
		{name: "contents", level: "admin", wantErr: `permission "contents" takes read or write, not "admin"`},
		{name: "workflows", level: "read", wantErr: `permission "workflows" takes write, not "read"`},
		{name: "organization_events", level: "write", wantErr: `permission "organization_events" takes read, not "write"`},
		{name: "organization_projects", level: "none", wantErr: "takes read, write or admin"},
		{name: "contents", level: "", wantErr: `not ""`},
		{name: "kontents", level: "read", wantErr: `unknown permission "kontents"; GitHub App permissions are: actions, `},
	}
	for _, tt := range tests {
		n, l, err := checkPermission(tt.name, tt.level)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("checkPermission(%q, %q) error = %v, want %q", tt.name, tt.level, err, tt.wantErr)
			}
			continue
		}
		if err != nil || n != tt.wantName || l != tt.wantLevel {
			t.Errorf("checkPermission(%q, %q) = %q, %q, %v", tt.name, tt.level, n, l, err)
		}
	}
}

func TestWithin(t *testing.T) {
	t.Parallel()
	levels := []string{"read", "write", "admin"}
	for i, want := range levels {
		for j, ceiling := range levels {
			if got := within(want, ceiling); got != (i <= j) {
				t.Errorf("within(%s, %s) = %v", want, ceiling, got)
			}
		}
	}
	if within("", "admin") || within("bogus", "admin") {
		t.Error("an unknown level is within a ceiling")
	}
	if !slices.IsSorted(permissionNames()) {
		t.Error("permission names are not sorted")
	}
}
