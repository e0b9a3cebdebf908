package github

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

func TestValidateScope(t *testing.T) {
	t.Parallel()
	tooMany := make([]string, maxRepositories+1)
	for i := range tooMany {
		tooMany[i] = fmt.Sprintf("repo-%d", i)
	}
	atLimit := append(tooMany[:maxRepositories:maxRepositories], "REPO-0") // a duplicate does not count
	tests := []struct {
		name      string
		tokenType string
		in        provider.Scope
		want      provider.Scope
		wantErr   string
	}{
		{
			name: "owner only",
			in:   provider.Scope{Owner: " Acme "},
			want: provider.Scope{Owner: "acme"},
		},
		{
			name: "installation id only",
			in:   provider.Scope{InstallationID: 7},
			want: provider.Scope{InstallationID: 7},
		},
		{
			name: "normalised lists",
			in: provider.Scope{
				Owner:        "acme",
				Repositories: []string{"Web", "api", "web", " API ", "docs.github.io"},
				Permissions:  map[string]string{"Contents": "Read", "pull_requests": "write"},
			},
			want: provider.Scope{
				Owner:        "acme",
				Repositories: []string{"api", "docs.github.io", "web"},
				Permissions:  map[string]string{"contents": "read", "pull_requests": "write"},
			},
		},
		{
			name: "EMU login",
			in:   provider.Scope{Owner: "octo_shortcode"},
			want: provider.Scope{Owner: "octo_shortcode"},
		},
		{name: "500 distinct repositories", in: provider.Scope{Owner: "a", Repositories: atLimit}, want: provider.Scope{Owner: "a", Repositories: sortedLower(tooMany[:maxRepositories])}},
		{name: "wrong token type", tokenType: "project", in: provider.Scope{Owner: "a"}, wantErr: `token_type "project" does not exist on github; use "installation"`},
		{name: "no owner or id", in: provider.Scope{}, wantErr: "owner (the org or user login that installed the App) or installation_id is required"},
		{name: "negative id", in: provider.Scope{InstallationID: -3}, wantErr: "installation_id must be a positive number"},
		{name: "bad owner", in: provider.Scope{Owner: "-acme"}, wantErr: `owner "-acme" is not a GitHub login`},
		{name: "owner with slash", in: provider.Scope{Owner: "acme/web"}, wantErr: "is not a GitHub login"},
		{name: "owner/name of the role's owner", in: provider.Scope{Owner: "Acme", Repositories: []string{"acme/Web", "ACME/api", "web"}}, want: provider.Scope{Owner: "acme", Repositories: []string{"api", "web"}}},
		{name: "owner/name of another owner", in: provider.Scope{Owner: "a", Repositories: []string{"acme/web"}}, wantErr: `repository "acme/web" is not of the role's owner "a"`},
		{name: "owner/name without a role owner", in: provider.Scope{InstallationID: 7, Repositories: []string{"acme/web"}}, wantErr: `repository "acme/web" is not of the role's owner ""`},
		{name: "owner/name/more", in: provider.Scope{Owner: "acme", Repositories: []string{"acme/web/x"}}, wantErr: `repository "web/x" is not a GitHub repository name`},
		{name: "owner/ only", in: provider.Scope{Owner: "acme", Repositories: []string{"acme/"}}, wantErr: `repository "" is not a GitHub repository name`},
		{name: "bad repo char", in: provider.Scope{Owner: "a", Repositories: []string{"we b"}}, wantErr: `repository "we b" is not a GitHub repository name`},
		{name: "empty repo", in: provider.Scope{Owner: "a", Repositories: []string{""}}, wantErr: `repository "" is not`},
		{name: "dot repo", in: provider.Scope{Owner: "a", Repositories: []string{".."}}, wantErr: `repository ".." is not`},
		{name: "long repo", in: provider.Scope{Owner: "a", Repositories: []string{strings.Repeat("r", 101)}}, wantErr: "at most 100"},
		{name: "too many repos", in: provider.Scope{Owner: "a", Repositories: tooMany}, wantErr: "501 repositories given; GitHub allows at most 500"},
		{name: "unknown permission", in: provider.Scope{Owner: "a", Permissions: map[string]string{"root": "write"}}, wantErr: `unknown permission "root"`},
		{name: "bad level", in: provider.Scope{Owner: "a", Permissions: map[string]string{"issues": "admin"}}, wantErr: `permission "issues" takes read or write, not "admin"`},
		{name: "conflicting case", in: provider.Scope{Owner: "a", Permissions: map[string]string{"Issues": "read", "issues": "write"}}, wantErr: `permission "issues" is given twice`},
		{name: "gitlab path", in: provider.Scope{Owner: "a", Path: "g/p"}, wantErr: "path applies to gitlab only"},
		{name: "gitlab scopes", in: provider.Scope{Owner: "a", Scopes: []string{"api"}}, wantErr: "scopes apply to gitlab only"},
		{name: "gitlab access level", in: provider.Scope{Owner: "a", AccessLevel: "owner"}, wantErr: "access_level applies to gitlab only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tokenType := tt.tokenType
			if tokenType == "" {
				tokenType = TokenTypeInstallation
			}
			s := tt.in
			err := Kind{}.ValidateScope(tokenType, &s)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ValidateScope: %v", err)
			}
			if !reflect.DeepEqual(s, tt.want) {
				t.Fatalf("scope = %+v, want %+v", s, tt.want)
			}
		})
	}
}

func TestValidateScopeLeavesTheCallersMapAlone(t *testing.T) {
	t.Parallel()
	perms := map[string]string{"Contents": "READ"}
	s := provider.Scope{Owner: "a", Permissions: perms}
	if err := (Kind{}).ValidateScope(TokenTypeInstallation, &s); err != nil {
		t.Fatal(err)
	}
	if perms["Contents"] != "READ" || len(perms) != 1 {
		t.Fatalf("input map changed: %v", perms)
	}
}

// narrowCase is a Narrow of an installation token's ceiling by want, and
// what it must give: out, or an error containing wantErr.
type narrowCase struct {
	name    string
	ceiling provider.Scope
	want    provider.Scope
	out     provider.Scope
	wantErr string
}

// runNarrowCases runs each case as a parallel subtest.
func runNarrowCases(t *testing.T, tests []narrowCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, err := Kind{}.Narrow(TokenTypeInstallation, tt.ceiling, tt.want)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Narrow: %v", err)
			}
			if !reflect.DeepEqual(out, tt.out) {
				t.Fatalf("Narrow = %+v, want %+v", out, tt.out)
			}
		})
	}
}

func TestNarrow(t *testing.T) {
	t.Parallel()
	role := provider.Scope{
		Owner:        "acme",
		Repositories: []string{"api", "web"},
		Permissions:  map[string]string{"contents": "write", "issues": "read", "repository_projects": "admin", "workflows": "write"},
	}
	open := provider.Scope{Owner: "acme"} // all repositories, the installation's full grant
	tests := []narrowCase{
		{name: "empty want takes the ceiling", ceiling: role, want: provider.Scope{}, out: role},
		{
			name:    "narrower repos and levels",
			ceiling: role,
			want:    provider.Scope{Repositories: []string{"WEB"}, Permissions: map[string]string{"contents": "read", "repository_projects": "write"}},
			out:     provider.Scope{Owner: "acme", Repositories: []string{"web"}, Permissions: map[string]string{"contents": "read", "repository_projects": "write"}},
		},
		{
			name:    "equal levels",
			ceiling: role,
			want:    provider.Scope{Permissions: map[string]string{"workflows": "write", "issues": "read"}},
			out:     provider.Scope{Owner: "acme", Repositories: []string{"api", "web"}, Permissions: map[string]string{"workflows": "write", "issues": "read"}},
		},
		{
			name:    "open ceiling allows any repo and permission",
			ceiling: open,
			want:    provider.Scope{Repositories: []string{"anything"}, Permissions: map[string]string{"administration": "write"}},
			out:     provider.Scope{Owner: "acme", Repositories: []string{"anything"}, Permissions: map[string]string{"administration": "write"}},
		},
		{name: "same owner is fine", ceiling: role, want: provider.Scope{Owner: "ACME"}, out: role},
		{name: "repo outside", ceiling: role, want: provider.Scope{Repositories: []string{"web", "secret", "infra"}}, wantErr: `repositories not allowed by the role: "infra", "secret"`},
		{name: "permission outside", ceiling: role, want: provider.Scope{Permissions: map[string]string{"administration": "read"}}, wantErr: `permission "administration" is not granted by the role`},
		{name: "level above", ceiling: role, want: provider.Scope{Permissions: map[string]string{"issues": "write", "contents": "read"}}, wantErr: `permission "issues"=write exceeds the role's read`},
		{
			name:    "every problem named",
			ceiling: role,
			want:    provider.Scope{Permissions: map[string]string{"issues": "write", "pages": "read"}},
			wantErr: `permission "issues"=write exceeds the role's read; permission "pages" is not granted by the role`,
		},
		{name: "invalid want permission", ceiling: role, want: provider.Scope{Permissions: map[string]string{"contents": "admin"}}, wantErr: `takes read or write, not "admin"`},
		{name: "invalid want repo", ceiling: role, want: provider.Scope{Repositories: []string{"a b"}}, wantErr: `repository "a b" is not`},
		{name: "owner/name in want", ceiling: role, want: provider.Scope{Repositories: []string{"acme/web"}}, out: provider.Scope{Owner: "acme", Repositories: []string{"web"}, Permissions: role.Permissions}},
		{name: "another owner's owner/name in want", ceiling: role, want: provider.Scope{Repositories: []string{"evil/web"}}, wantErr: `repository "evil/web" is not of the role's owner "acme"`},
		{name: "other owner", ceiling: role, want: provider.Scope{Owner: "evil"}, wantErr: `owner is set by the role ("acme")`},
		{name: "other installation", ceiling: provider.Scope{InstallationID: 5}, want: provider.Scope{InstallationID: 6}, wantErr: "installation_id is set by the role"},
		{name: "gitlab field in want", ceiling: role, want: provider.Scope{Scopes: []string{"api"}}, wantErr: "scopes apply to gitlab only"},
		{name: "invalid ceiling", ceiling: provider.Scope{}, want: provider.Scope{}, wantErr: "the role's scope is invalid"},
	}
	runNarrowCases(t, tests)
	if _, err := (Kind{}).Narrow("deploy", role, provider.Scope{}); err == nil {
		t.Fatal("Narrow accepted a gitlab token type")
	}
}

func TestNarrowReturnsCopies(t *testing.T) {
	t.Parallel()
	ceiling := provider.Scope{Owner: "a", Repositories: []string{"x"}, Permissions: map[string]string{"contents": "read"}}
	out, err := Kind{}.Narrow(TokenTypeInstallation, ceiling, provider.Scope{})
	if err != nil {
		t.Fatal(err)
	}
	out.Repositories[0] = "changed"
	out.Permissions["contents"] = "write"
	if ceiling.Repositories[0] != "x" || ceiling.Permissions["contents"] != "read" {
		t.Fatal("changing Narrow's result changed the ceiling")
	}
}

func sortedLower(in []string) []string {
	s := provider.Scope{Owner: "a", Repositories: in}
	n, err := normalizeScope(s)
	if err != nil {
		panic(err)
	}
	return n.Repositories
}
