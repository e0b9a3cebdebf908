package gitlab

import (
	"slices"
	"strings"
	"testing"
)

func TestValidateScope(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 256)
	deep := strings.TrimSuffix(strings.Repeat("g/", 23), "/")
	tests := []struct {
		name      string
		tokenType string
		in        Scope
		want      Scope // when wantErr is empty
		wantErr   string
	}{
		{"project path", "project", Scope{Path: "grp/sub/app", Scopes: []string{"read_repository"}},
			Scope{Path: "grp/sub/app", Scopes: []string{"read_repository"}, AccessLevel: "maintainer"}, ""},
		{"numeric id", "group", Scope{Path: "42", Scopes: []string{"api"}, AccessLevel: "Owner"},
			Scope{Path: "42", Scopes: []string{"api"}, AccessLevel: "owner"}, ""},
		{"scopes normalised", "project", Scope{Path: "a/b", Scopes: []string{" READ_API ", "read_repository", "read_api"}, AccessLevel: " Developer "},
			Scope{Path: "a/b", Scopes: []string{"read_api", "read_repository"}, AccessLevel: "developer"}, ""},
		{"path keeps case", "project", Scope{Path: "Grp/App.Name_1", Scopes: []string{"api"}},
			Scope{Path: "Grp/App.Name_1", Scopes: []string{"api"}, AccessLevel: "maintainer"}, ""},
		{"planner", "project", Scope{Path: "a/b", Scopes: []string{"api"}, AccessLevel: "planner"},
			Scope{Path: "a/b", Scopes: []string{"api"}, AccessLevel: "planner"}, ""},
		{"group owner", "group", Scope{Path: "a", Scopes: []string{"api"}, AccessLevel: "owner"},
			Scope{Path: "a", Scopes: []string{"api"}, AccessLevel: "owner"}, ""},
		{"project owner", "project", Scope{Path: "a/b", Scopes: []string{"api"}, AccessLevel: "owner"},
			Scope{Path: "a/b", Scopes: []string{"api"}, AccessLevel: "owner"}, ""},
		{"deploy", "deploy", Scope{Path: "a/b", Scopes: []string{"read_registry", "read_package_registry"}},
			Scope{Path: "a/b", Scopes: []string{"read_package_registry", "read_registry"}}, ""},
		{"personal", "personal", Scope{Path: "svc.deployer", Scopes: []string{"read_user", "read_api"}},
			Scope{Path: "svc.deployer", Scopes: []string{"read_api", "read_user"}}, ""},
		{"group virtual registry", "group", Scope{Path: "a", Scopes: []string{"read_virtual_registry"}},
			Scope{Path: "a", Scopes: []string{"read_virtual_registry"}, AccessLevel: "maintainer"}, ""},

		{"unknown token type", "installation", Scope{Path: "a/b", Scopes: []string{"api"}}, Scope{}, "does not exist on gitlab"},
		{"empty token type", "", Scope{Path: "a/b", Scopes: []string{"api"}}, Scope{}, "does not exist on gitlab"},

		{"self_rotate on project", "project", Scope{Path: "a/b", Scopes: []string{"read_api", "self_rotate"}}, Scope{}, `"self_rotate" is refused`},
		{"self_rotate on personal", "personal", Scope{Path: "u", Scopes: []string{" Self_Rotate "}}, Scope{}, `"self_rotate" is refused`},

		{"path required", "project", Scope{Scopes: []string{"api"}}, Scope{}, "path is required"},
		{"deploy path required", "deploy", Scope{Scopes: []string{"read_registry"}}, Scope{}, "path is required"},
		{"username required", "personal", Scope{Scopes: []string{"api"}}, Scope{}, "path is required"},
		{"zero id", "project", Scope{Path: "0", Scopes: []string{"api"}}, Scope{}, "not a valid numeric id"},
		{"leading zero id", "project", Scope{Path: "007", Scopes: []string{"api"}}, Scope{}, "not a valid numeric id"},
		{"huge id", "project", Scope{Path: "99999999999999999999", Scopes: []string{"api"}}, Scope{}, "not a valid numeric id"},
		{"negative id", "project", Scope{Path: "-5", Scopes: []string{"api"}}, Scope{}, "must not start with '-'"},
		{"leading slash", "project", Scope{Path: "/a/b", Scopes: []string{"api"}}, Scope{}, "must not start or end with '/'"},
		{"trailing slash", "group", Scope{Path: "a/", Scopes: []string{"api"}}, Scope{}, "must not start or end with '/'"},
		{"double slash", "project", Scope{Path: "a//b", Scopes: []string{"api"}}, Scope{}, "must not contain '//'"},
		{"dot dot segment", "project", Scope{Path: "a/../b", Scopes: []string{"api"}}, Scope{}, "must not contain '..'"},
		{"dot dot inside", "deploy", Scope{Path: "a/b..c", Scopes: []string{"read_registry"}}, Scope{}, "must not contain '..'"},
		{"dot segment", "project", Scope{Path: "a/./b", Scopes: []string{"api"}}, Scope{}, "must not be '.'"},
		{"encoded slash", "project", Scope{Path: "a%2Fb", Scopes: []string{"api"}}, Scope{}, "may contain only"},
		{"space", "project", Scope{Path: "a b", Scopes: []string{"api"}}, Scope{}, "may contain only"},
		{"query", "project", Scope{Path: "a/b?x=1", Scopes: []string{"api"}}, Scope{}, "may contain only"},
		{"backslash", "project", Scope{Path: `a\b`, Scopes: []string{"api"}}, Scope{}, "may contain only"},
		{"dash first", "project", Scope{Path: "a/-b", Scopes: []string{"api"}}, Scope{}, "must not start with '-'"},
		{"git suffix", "project", Scope{Path: "a/b.GIT", Scopes: []string{"api"}}, Scope{}, "end in .git"},
		{"atom suffix", "project", Scope{Path: "a/b.atom", Scopes: []string{"api"}}, Scope{}, "end in .git or .atom"},
		{"long segment", "project", Scope{Path: "a/" + long, Scopes: []string{"api"}}, Scope{}, "at most 255"},
		{"too deep", "project", Scope{Path: deep, Scopes: []string{"api"}}, Scope{}, "nested deeper"},
		{"unicode", "project", Scope{Path: "grüppe/app", Scopes: []string{"api"}}, Scope{}, "may contain only"},
		{"username with slash", "personal", Scope{Path: "grp/user", Scopes: []string{"api"}}, Scope{}, "must be a username"},
		{"username dot dot", "personal", Scope{Path: "..", Scopes: []string{"api"}}, Scope{}, "must not contain '..'"},
		{"username charset", "personal", Scope{Path: "us er", Scopes: []string{"api"}}, Scope{}, "not a GitLab username"},

		{"scopes required", "project", Scope{Path: "a/b"}, Scope{}, "scopes is required"},
		{"empty scope name", "project", Scope{Path: "a/b", Scopes: []string{"api", " "}}, Scope{}, "empty name"},
		{"unknown scope", "project", Scope{Path: "a/b", Scopes: []string{"read_everything"}}, Scope{}, `scope "read_everything" is not available on project tokens`},
		{"deploy api", "deploy", Scope{Path: "a/b", Scopes: []string{"api"}}, Scope{}, `scope "api" is not available on deploy tokens`},
		{"deploy write_repository", "deploy", Scope{Path: "a/b", Scopes: []string{"write_repository"}}, Scope{}, "not available on deploy tokens"},
		{"project read_user", "project", Scope{Path: "a/b", Scopes: []string{"read_user"}}, Scope{}, "not available on project tokens"},
		{"group sudo", "group", Scope{Path: "a", Scopes: []string{"sudo"}}, Scope{}, "not available on group tokens"},
		{"project admin_mode", "project", Scope{Path: "a/b", Scopes: []string{"admin_mode"}}, Scope{}, "not available on project tokens"},
		{"project virtual registry", "project", Scope{Path: "a/b", Scopes: []string{"write_virtual_registry"}}, Scope{}, "not available on project tokens"},
		{"project package registry", "project", Scope{Path: "a/b", Scopes: []string{"read_package_registry"}}, Scope{}, "not available on project tokens"},

		{"unknown level", "project", Scope{Path: "a/b", Scopes: []string{"api"}, AccessLevel: "admin"}, Scope{}, `access_level "admin" is not a GitLab role`},
		{"numeric level", "project", Scope{Path: "a/b", Scopes: []string{"api"}, AccessLevel: "40"}, Scope{}, "is not a GitLab role"},
		{"deploy level", "deploy", Scope{Path: "a/b", Scopes: []string{"read_registry"}, AccessLevel: "reporter"}, Scope{}, "access_level applies to project and group tokens only"},
		{"personal level", "personal", Scope{Path: "u", Scopes: []string{"api"}, AccessLevel: "owner"}, Scope{}, "access_level applies to project and group tokens only"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := tc.in
			s.Scopes = slices.Clone(tc.in.Scopes)
			err := validateScope(tc.tokenType, &s)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				if !slices.Equal(s.Scopes, tc.in.Scopes) || s.Path != tc.in.Path || s.AccessLevel != tc.in.AccessLevel {
					t.Errorf("a refused scope was changed: %+v", s)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if s.Path != tc.want.Path || !slices.Equal(s.Scopes, tc.want.Scopes) || s.AccessLevel != tc.want.AccessLevel {
				t.Errorf("normalised to %+v, want %+v", s, tc.want)
			}
		})
	}
}

func TestValidateScopeNil(t *testing.T) {
	t.Parallel()
	if err := (Kind{}).ValidateScope("project", nil); err == nil {
		t.Fatal("a nil scope was accepted")
	}
}

func TestNarrow(t *testing.T) {
	t.Parallel()
	ceiling := Scope{Path: "grp/app", Scopes: []string{"read_api", "read_registry", "read_repository"}, AccessLevel: "developer"}
	deploy := Scope{Path: "grp/app", Scopes: []string{"read_registry", "read_repository"}}
	tests := []struct {
		name      string
		tokenType string
		ceiling   Scope
		want      Scope
		out       Scope
		wantErr   string
	}{
		{"empty takes the ceiling", "project", ceiling, Scope{}, ceiling, ""},
		{"subset", "project", ceiling, Scope{Scopes: []string{"READ_REGISTRY"}},
			Scope{Path: "grp/app", Scopes: []string{"read_registry"}, AccessLevel: "developer"}, ""},
		{"same path other case", "project", ceiling, Scope{Path: "GRP/App", Scopes: []string{"read_api"}},
			Scope{Path: "grp/app", Scopes: []string{"read_api"}, AccessLevel: "developer"}, ""},
		{"same level", "project", ceiling, Scope{AccessLevel: "Developer"}, ceiling, ""},
		{"default level named", "group", Scope{Path: "grp", Scopes: []string{"api"}}, Scope{AccessLevel: "maintainer"},
			Scope{Path: "grp", Scopes: []string{"api"}, AccessLevel: "maintainer"}, ""},
		{"deploy subset", "deploy", deploy, Scope{Scopes: []string{"read_registry"}},
			Scope{Path: "grp/app", Scopes: []string{"read_registry"}}, ""},

		{"wider scope", "project", ceiling, Scope{Scopes: []string{"read_api", "api"}}, Scope{}, `scope "api" is beyond the role's scopes`},
		{"unknown scope", "project", ceiling, Scope{Scopes: []string{"root"}}, Scope{}, "not available on project tokens"},
		{"empty scope name", "project", ceiling, Scope{Scopes: []string{""}}, Scope{}, "empty name"},
		{"other path", "project", ceiling, Scope{Path: "grp/other"}, Scope{}, "path is set by the role"},
		{"higher level", "project", ceiling, Scope{AccessLevel: "owner"}, Scope{}, "access_level is set by the role"},
		{"lower level", "project", ceiling, Scope{AccessLevel: "guest"}, Scope{}, "access_level is set by the role"},
		{"level on deploy", "deploy", deploy, Scope{AccessLevel: "guest"}, Scope{}, "access_level does not apply to deploy tokens"},
		{"bad ceiling", "project", Scope{Path: "../x", Scopes: []string{"api"}}, Scope{}, Scope{}, "the role's scope is invalid"},
		{"ceiling of another type", "deploy", ceiling, Scope{}, Scope{}, "the role's scope is invalid"},
		{"unknown type", "pipeline", ceiling, Scope{}, Scope{}, "does not exist on gitlab"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, err := narrow(tc.tokenType, tc.ceiling, tc.want)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if out.Path != tc.out.Path || !slices.Equal(out.Scopes, tc.out.Scopes) || out.AccessLevel != tc.out.AccessLevel {
				t.Errorf("narrowed to %+v, want %+v", out, tc.out)
			}
		})
	}
}

// TestNarrowDoesNotAlias checks that the scope Narrow returns shares no
// slice with the role's, so a caller editing one cannot change the other.
func TestNarrowDoesNotAlias(t *testing.T) {
	t.Parallel()
	ceiling := Scope{Path: "a/b", Scopes: []string{"api", "read_api"}}
	out, err := narrow("project", ceiling, Scope{})
	if err != nil {
		t.Fatal(err)
	}
	out.Scopes[0] = "changed"
	if ceiling.Scopes[0] != "api" {
		t.Fatal("Narrow's result aliases the ceiling's scopes")
	}
}

func TestKindBasics(t *testing.T) {
	t.Parallel()
	k := Kind{}
	if k.Name() != "gitlab" || k.DefaultBaseURL() != "https://gitlab.com" || k.DefaultRegistryHost() != "registry.gitlab.com" {
		t.Errorf("names: %q %q %q", k.Name(), k.DefaultBaseURL(), k.DefaultRegistryHost())
	}
	if got := k.TokenTypes(); !slices.Equal(got, []string{"project", "group", "deploy", "personal"}) {
		t.Errorf("TokenTypes = %v", got)
	}
	for _, tt := range []string{"project", "group", "personal"} {
		if k.MaxTTL(tt) != maxAccessTokenTTL {
			t.Errorf("MaxTTL(%s) = %v", tt, k.MaxTTL(tt))
		}
	}
	if k.MaxTTL("deploy") != 0 || k.MaxTTL("nope") != 0 {
		t.Errorf("MaxTTL(deploy) = %v, MaxTTL(nope) = %v", k.MaxTTL("deploy"), k.MaxTTL("nope"))
	}
	for _, tt := range k.TokenTypes() {
		if len(scopesFor(tt)) == 0 {
			t.Errorf("no scopes for %s", tt)
		}
	}
}

func TestAccessLevels(t *testing.T) {
	t.Parallel()
	want := map[string]int{"guest": 10, "planner": 15, "reporter": 20, "developer": 30, "maintainer": 40, "owner": 50}
	for name, value := range want {
		if v, ok := accessLevelValue(name); !ok || v != value {
			t.Errorf("accessLevelValue(%s) = %d, %v", name, v, ok)
		}
		if accessLevelName(value) != name {
			t.Errorf("accessLevelName(%d) = %q", value, accessLevelName(value))
		}
	}
	if accessLevelName(60) != "" || accessLevelName(0) != "" {
		t.Error("unknown levels have names")
	}
}

func TestCanPullImages(t *testing.T) {
	t.Parallel()
	tests := []struct {
		tokenType string
		scopes    []string
		want      bool
	}{
		{"project", []string{"read_registry"}, true},
		{"project", []string{"api"}, true},
		{"personal", []string{"api"}, true},
		{"project", []string{"write_registry"}, false},
		{"project", []string{"read_repository", "read_api"}, false},
		{"deploy", []string{"read_registry", "read_repository"}, true},
		{"deploy", []string{"write_registry"}, false},
		{"deploy", []string{"read_package_registry"}, false},
	}
	for _, tc := range tests {
		if got := canPullImages(tc.tokenType, tc.scopes); got != tc.want {
			t.Errorf("canPullImages(%s, %v) = %v, want %v", tc.tokenType, tc.scopes, got, tc.want)
		}
	}
}
