package github

import (
	"slices"
	"strings"
	"testing"
)

// TestEveryPermissionIsSentAsWritten proves each table entry reaches the
// request body unchanged at each level it takes.
func TestEveryPermissionIsSentAsWritten(t *testing.T) {
	t.Parallel()
	for name, set := range permissionLevels {
		if len(set.levels()) == 0 {
			t.Errorf("permission %q takes no level", name)
		}
		for _, level := range set.levels() {
			body, err := tokenOptions(Scope{Permissions: map[string]string{name: level}})
			if err != nil || body.Permissions[name] != level {
				t.Errorf("%s=%s: body %v, err %v", name, level, body, err)
			}
		}
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
