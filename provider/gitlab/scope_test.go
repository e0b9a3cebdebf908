package gitlab

import (
	"slices"
	"strings"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

func TestValidateScope(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 256)
	deep := strings.TrimSuffix(strings.Repeat("g/", 23), "/")
	tests := []struct {
		name      string
		tokenType string
		in        provider.Scope
		want      provider.Scope // when wantErr is empty
		wantErr   string
	}{
		{"project path", "project", provider.Scope{Path: "grp/sub/app", Scopes: []string{"read_repository"}},
			provider.Scope{Path: "grp/sub/app", Scopes: []string{"read_repository"}, AccessLevel: "maintainer"}, ""},
		{"numeric id", "group", provider.Scope{Path: "42", Scopes: []string{"api"}, AccessLevel: "Owner"},
			provider.Scope{Path: "42", Scopes: []string{"api"}, AccessLevel: "owner"}, ""},
		{"scopes normalised", "project", provider.Scope{Path: "a/b", Scopes: []string{" READ_API ", "read_repository", "read_api"}, AccessLevel: " Developer "},
			provider.Scope{Path: "a/b", Scopes: []string{"read_api", "read_repository"}, AccessLevel: "developer"}, ""},
		{"path keeps case", "project", provider.Scope{Path: "Grp/App.Name_1", Scopes: []string{"api"}},
			provider.Scope{Path: "Grp/App.Name_1", Scopes: []string{"api"}, AccessLevel: "maintainer"}, ""},
		{"planner", "project", provider.Scope{Path: "a/b", Scopes: []string{"api"}, AccessLevel: "planner"},
			provider.Scope{Path: "a/b", Scopes: []string{"api"}, AccessLevel: "planner"}, ""},
		{"group owner", "group", provider.Scope{Path: "a", Scopes: []string{"api"}, AccessLevel: "owner"},
			provider.Scope{Path: "a", Scopes: []string{"api"}, AccessLevel: "owner"}, ""},
		{"project owner", "project", provider.Scope{Path: "a/b", Scopes: []string{"api"}, AccessLevel: "owner"},
			provider.Scope{Path: "a/b", Scopes: []string{"api"}, AccessLevel: "owner"}, ""},
		{"deploy", "deploy", provider.Scope{Path: "a/b", Scopes: []string{"read_registry", "read_package_registry"}},
			provider.Scope{Path: "a/b", Scopes: []string{"read_package_registry", "read_registry"}}, ""},
		{"personal", "personal", provider.Scope{Path: "svc.deployer", Scopes: []string{"read_user", "read_api"}},
			provider.Scope{Path: "svc.deployer", Scopes: []string{"read_api", "read_user"}}, ""},
		{"group virtual registry", "group", provider.Scope{Path: "a", Scopes: []string{"read_virtual_registry"}},
			provider.Scope{Path: "a", Scopes: []string{"read_virtual_registry"}, AccessLevel: "maintainer"}, ""},

		{"unknown token type", "installation", provider.Scope{Path: "a/b", Scopes: []string{"api"}}, provider.Scope{}, "does not exist on gitlab"},
		{"empty token type", "", provider.Scope{Path: "a/b", Scopes: []string{"api"}}, provider.Scope{}, "does not exist on gitlab"},
		{"github owner", "project", provider.Scope{Owner: "o", Path: "a/b", Scopes: []string{"api"}}, provider.Scope{}, "owner applies to github"},
		{"github installation", "project", provider.Scope{InstallationID: 3, Path: "a/b", Scopes: []string{"api"}}, provider.Scope{}, "installation_id applies to github"},
		{"github repositories", "project", provider.Scope{Repositories: []string{"r"}, Path: "a/b", Scopes: []string{"api"}}, provider.Scope{}, "repositories apply to github"},
		{"github permissions", "project", provider.Scope{Permissions: map[string]string{"contents": "read"}, Path: "a/b", Scopes: []string{"api"}}, provider.Scope{}, "permissions apply to github"},

		{"self_rotate on project", "project", provider.Scope{Path: "a/b", Scopes: []string{"read_api", "self_rotate"}}, provider.Scope{}, `"self_rotate" is refused`},
		{"self_rotate on personal", "personal", provider.Scope{Path: "u", Scopes: []string{" Self_Rotate "}}, provider.Scope{}, `"self_rotate" is refused`},

		{"path required", "project", provider.Scope{Scopes: []string{"api"}}, provider.Scope{}, "path is required"},
		{"deploy path required", "deploy", provider.Scope{Scopes: []string{"read_registry"}}, provider.Scope{}, "path is required"},
		{"username required", "personal", provider.Scope{Scopes: []string{"api"}}, provider.Scope{}, "path is required"},
		{"zero id", "project", provider.Scope{Path: "0", Scopes: []string{"api"}}, provider.Scope{}, "not a valid numeric id"},
		{"leading zero id", "project", provider.Scope{Path: "007", Scopes: []string{"api"}}, provider.Scope{}, "not a valid numeric id"},
		{"huge id", "project", provider.Scope{Path: "99999999999999999999", Scopes: []string{"api"}}, provider.Scope{}, "not a valid numeric id"},
		{"negative id", "project", provider.Scope{Path: "-5", Scopes: []string{"api"}}, provider.Scope{}, "must not start with '-'"},
		{"leading slash", "project", provider.Scope{Path: "/a/b", Scopes: []string{"api"}}, provider.Scope{}, "must not start or end with '/'"},
		{"trailing slash", "group", provider.Scope{Path: "a/", Scopes: []string{"api"}}, provider.Scope{}, "must not start or end with '/'"},
		{"double slash", "project", provider.Scope{Path: "a//b", Scopes: []string{"api"}}, provider.Scope{}, "must not contain '//'"},
		{"dot dot segment", "project", provider.Scope{Path: "a/../b", Scopes: []string{"api"}}, provider.Scope{}, "must not contain '..'"},
		{"dot dot inside", "deploy", provider.Scope{Path: "a/b..c", Scopes: []string{"read_registry"}}, provider.Scope{}, "must not contain '..'"},
		{"dot segment", "project", provider.Scope{Path: "a/./b", Scopes: []string{"api"}}, provider.Scope{}, "must not be '.'"},
		{"encoded slash", "project", provider.Scope{Path: "a%2Fb", Scopes: []string{"api"}}, provider.Scope{}, "may contain only"},
		{"space", "project", provider.Scope{Path: "a b", Scopes: []string{"api"}}, provider.Scope{}, "may contain only"},
		{"query", "project", provider.Scope{Path: "a/b?x=1", Scopes: []string{"api"}}, provider.Scope{}, "may contain only"},
		{"backslash", "project", provider.Scope{Path: `a\b`, Scopes: []string{"api"}}, provider.Scope{}, "may contain only"},
		{"dash first", "project", provider.Scope{Path: "a/-b", Scopes: []string{"api"}}, provider.Scope{}, "must not start with '-'"},
		{"git suffix", "project", provider.Scope{Path: "a/b.GIT", Scopes: []string{"api"}}, provider.Scope{}, "end in .git"},
		{"atom suffix", "project", provider.Scope{Path: "a/b.atom", Scopes: []string{"api"}}, provider.Scope{}, "end in .git or .atom"},
		{"long segment", "project", provider.Scope{Path: "a/" + long, Scopes: []string{"api"}}, provider.Scope{}, "at most 255"},
		{"too deep", "project", provider.Scope{Path: deep, Scopes: []string{"api"}}, provider.Scope{}, "nested deeper"},
		{"unicode", "project", provider.Scope{Path: "grüppe/app", Scopes: []string{"api"}}, provider.Scope{}, "may contain only"},
		{"username with slash", "personal", provider.Scope{Path: "grp/user", Scopes: []string{"api"}}, provider.Scope{}, "must be a username"},
		{"username dot dot", "personal", provider.Scope{Path: "..", Scopes: []string{"api"}}, provider.Scope{}, "must not contain '..'"},
		{"username charset", "personal", provider.Scope{Path: "us er", Scopes: []string{"api"}}, provider.Scope{}, "not a GitLab username"},

		{"scopes required", "project", provider.Scope{Path: "a/b"}, provider.Scope{}, "scopes is required"},
		{"empty scope name", "project", provider.Scope{Path: "a/b", Scopes: []string{"api", " "}}, provider.Scope{}, "empty name"},
		{"unknown scope", "project", provider.Scope{Path: "a/b", Scopes: []string{"read_everything"}}, provider.Scope{}, `scope "read_everything" is not available on project tokens`},
		{"deploy api", "deploy", provider.Scope{Path: "a/b", Scopes: []string{"api"}}, provider.Scope{}, `scope "api" is not available on deploy tokens`},
		{"deploy write_repository", "deploy", provider.Scope{Path: "a/b", Scopes: []string{"write_repository"}}, provider.Scope{}, "not available on deploy tokens"},
		{"project read_user", "project", provider.Scope{Path: "a/b", Scopes: []string{"read_user"}}, provider.Scope{}, "not available on project tokens"},
		{"group sudo", "group", provider.Scope{Path: "a", Scopes: []string{"sudo"}}, provider.Scope{}, "not available on group tokens"},
		{"project admin_mode", "project", provider.Scope{Path: "a/b", Scopes: []string{"admin_mode"}}, provider.Scope{}, "not available on project tokens"},
		{"project virtual registry", "project", provider.Scope{Path: "a/b", Scopes: []string{"write_virtual_registry"}}, provider.Scope{}, "not available on project tokens"},
		{"project package registry", "project", provider.Scope{Path: "a/b", Scopes: []string{"read_package_registry"}}, provider.Scope{}, "not available on project tokens"},

		{"unknown level", "project", provider.Scope{Path: "a/b", Scopes: []string{"api"}, AccessLevel: "admin"}, provider.Scope{}, `access_level "admin" is not a GitLab role`},
		{"numeric level", "project", provider.Scope{Path: "a/b", Scopes: []string{"api"}, AccessLevel: "40"}, provider.Scope{}, "is not a GitLab role"},
		{"deploy level", "deploy", provider.Scope{Path: "a/b", Scopes: []string{"read_registry"}, AccessLevel: "reporter"}, provider.Scope{}, "access_level applies to project and group tokens only"},
		{"personal level", "personal", provider.Scope{Path: "u", Scopes: []string{"api"}, AccessLevel: "owner"}, provider.Scope{}, "access_level applies to project and group tokens only"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := tc.in
			s.Scopes = slices.Clone(tc.in.Scopes)
			err := Kind{}.ValidateScope(tc.tokenType, &s)
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
	ceiling := provider.Scope{Path: "grp/app", Scopes: []string{"read_api", "read_registry", "read_repository"}, AccessLevel: "developer"}
	deploy := provider.Scope{Path: "grp/app", Scopes: []string{"read_registry", "read_repository"}}
	tests := []struct {
		name      string
		tokenType string
		ceiling   provider.Scope
		want      provider.Scope
		out       provider.Scope
		wantErr   string
	}{
		{"empty takes the ceiling", "project", ceiling, provider.Scope{}, ceiling, ""},
		{"subset", "project", ceiling, provider.Scope{Scopes: []string{"READ_REGISTRY"}},
			provider.Scope{Path: "grp/app", Scopes: []string{"read_registry"}, AccessLevel: "developer"}, ""},
		{"same path other case", "project", ceiling, provider.Scope{Path: "GRP/App", Scopes: []string{"read_api"}},
			provider.Scope{Path: "grp/app", Scopes: []string{"read_api"}, AccessLevel: "developer"}, ""},
		{"same level", "project", ceiling, provider.Scope{AccessLevel: "Developer"}, ceiling, ""},
		{"default level named", "group", provider.Scope{Path: "grp", Scopes: []string{"api"}}, provider.Scope{AccessLevel: "maintainer"},
			provider.Scope{Path: "grp", Scopes: []string{"api"}, AccessLevel: "maintainer"}, ""},
		{"deploy subset", "deploy", deploy, provider.Scope{Scopes: []string{"read_registry"}},
			provider.Scope{Path: "grp/app", Scopes: []string{"read_registry"}}, ""},

		{"wider scope", "project", ceiling, provider.Scope{Scopes: []string{"read_api", "api"}}, provider.Scope{}, `scope "api" is beyond the role's scopes`},
		{"unknown scope", "project", ceiling, provider.Scope{Scopes: []string{"root"}}, provider.Scope{}, "not available on project tokens"},
		{"empty scope name", "project", ceiling, provider.Scope{Scopes: []string{""}}, provider.Scope{}, "empty name"},
		{"other path", "project", ceiling, provider.Scope{Path: "grp/other"}, provider.Scope{}, "path is set by the role"},
		{"higher level", "project", ceiling, provider.Scope{AccessLevel: "owner"}, provider.Scope{}, "access_level is set by the role"},
		{"lower level", "project", ceiling, provider.Scope{AccessLevel: "guest"}, provider.Scope{}, "access_level is set by the role"},
		{"level on deploy", "deploy", deploy, provider.Scope{AccessLevel: "guest"}, provider.Scope{}, "access_level does not apply to deploy tokens"},
		{"github field", "project", ceiling, provider.Scope{Repositories: []string{"x"}}, provider.Scope{}, "repositories apply to github"},
		{"bad ceiling", "project", provider.Scope{Path: "../x", Scopes: []string{"api"}}, provider.Scope{}, provider.Scope{}, "the role's scope is invalid"},
		{"ceiling of another type", "deploy", ceiling, provider.Scope{}, provider.Scope{}, "the role's scope is invalid"},
		{"unknown type", "pipeline", ceiling, provider.Scope{}, provider.Scope{}, "does not exist on gitlab"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, err := Kind{}.Narrow(tc.tokenType, tc.ceiling, tc.want)
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
	ceiling := provider.Scope{Path: "a/b", Scopes: []string{"api", "read_api"}}
	out, err := Kind{}.Narrow("project", ceiling, provider.Scope{})
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
	if got := k.TokenTypes(); !slices.Equal(got, []string{"project", "group", "deploy", "personal", "service_account"}) {
		t.Errorf("TokenTypes = %v", got)
	}
	for _, tt := range []string{"project", "group", "personal", "service_account"} {
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
