package github

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
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
		in        Scope
		want      Scope
		wantErr   string
	}{
		{
			name: "owner only",
			in:   Scope{Owner: " Acme "},
			want: Scope{Owner: "acme"},
		},
		{
			name: "installation id only",
			in:   Scope{InstallationID: 7},
			want: Scope{InstallationID: 7},
		},
		{
			name: "normalised lists",
			in: Scope{
				Owner:        "acme",
				Repositories: []string{"Web", "api", "web", " API ", "docs.github.io"},
				Permissions:  map[string]string{"Contents": "Read", "pull_requests": "write"},
			},
			want: Scope{
				Owner:        "acme",
				Repositories: []string{"api", "docs.github.io", "web"},
				Permissions:  map[string]string{"contents": "read", "pull_requests": "write"},
			},
		},
		{
			name: "EMU login",
			in:   Scope{Owner: "octo_shortcode"},
			want: Scope{Owner: "octo_shortcode"},
		},
		{name: "500 distinct repositories", in: Scope{Owner: "a", Repositories: atLimit}, want: Scope{Owner: "a", Repositories: sortedLower(tooMany[:maxRepositories])}},
		{name: "wrong token type", tokenType: "project", in: Scope{Owner: "a"}, wantErr: `token_type "project" does not exist on github; use "installation"`},
		{name: "no owner or id", in: Scope{}, wantErr: "owner (the org or user login that installed the App) or installation_id is required"},
		{name: "negative id", in: Scope{InstallationID: -3}, wantErr: "installation_id must be a positive number"},
		{name: "bad owner", in: Scope{Owner: "-acme"}, wantErr: `owner "-acme" is not a GitHub login`},
		{name: "owner with slash", in: Scope{Owner: "acme/web"}, wantErr: "is not a GitHub login"},
		{name: "owner/name of the role's owner", in: Scope{Owner: "Acme", Repositories: []string{"acme/Web", "ACME/api", "web"}}, want: Scope{Owner: "acme", Repositories: []string{"api", "web"}}},
		{name: "owner/name of another owner", in: Scope{Owner: "a", Repositories: []string{"acme/web"}}, wantErr: `repository "acme/web" is not of the role's owner "a"`},
		{name: "owner/name without a role owner", in: Scope{InstallationID: 7, Repositories: []string{"acme/web"}}, wantErr: `repository "acme/web" is not of the role's owner ""`},
		{name: "owner/name/more", in: Scope{Owner: "acme", Repositories: []string{"acme/web/x"}}, wantErr: `repository "web/x" is not a GitHub repository name`},
		{name: "owner/ only", in: Scope{Owner: "acme", Repositories: []string{"acme/"}}, wantErr: `repository "" is not a GitHub repository name`},
		{name: "bad repo char", in: Scope{Owner: "a", Repositories: []string{"we b"}}, wantErr: `repository "we b" is not a GitHub repository name`},
		{name: "empty repo", in: Scope{Owner: "a", Repositories: []string{""}}, wantErr: `repository "" is not`},
		{name: "dot repo", in: Scope{Owner: "a", Repositories: []string{".."}}, wantErr: `repository ".." is not`},
		{name: "long repo", in: Scope{Owner: "a", Repositories: []string{strings.Repeat("r", 101)}}, wantErr: "at most 100"},
		{name: "too many repos", in: Scope{Owner: "a", Repositories: tooMany}, wantErr: "501 repositories given; GitHub allows at most 500"},
		{name: "unknown permission", in: Scope{Owner: "a", Permissions: map[string]string{"root": "write"}}, wantErr: `unknown permission "root"`},
		{name: "bad level", in: Scope{Owner: "a", Permissions: map[string]string{"issues": "admin"}}, wantErr: `permission "issues" takes read or write, not "admin"`},
		{name: "conflicting case", in: Scope{Owner: "a", Permissions: map[string]string{"Issues": "read", "issues": "write"}}, wantErr: `permission "issues" is given twice`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tokenType := tt.tokenType
			if tokenType == "" {
				tokenType = TokenTypeInstallation
			}
			s := tt.in
			err := validateScope(tokenType, &s)
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
	s := Scope{Owner: "a", Permissions: perms}
	if err := validateScope(TokenTypeInstallation, &s); err != nil {
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
	ceiling Scope
	want    Scope
	out     Scope
	wantErr string
}

// runNarrowCases runs each case as a parallel subtest.
func runNarrowCases(t *testing.T, tests []narrowCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, err := narrow(TokenTypeInstallation, tt.ceiling, tt.want)
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
	role := Scope{
		Owner:        "acme",
		Repositories: []string{"api", "web"},
		Permissions:  map[string]string{"contents": "write", "issues": "read", "repository_projects": "admin", "workflows": "write"},
	}
	open := Scope{Owner: "acme"} // all repositories, the installation's full grant
	tests := []narrowCase{
		{name: "empty want takes the ceiling", ceiling: role, want: Scope{}, out: role},
		{
			name:    "narrower repos and levels",
			ceiling: role,
			want:    Scope{Repositories: []string{"WEB"}, Permissions: map[string]string{"contents": "read", "repository_projects": "write"}},
			out:     Scope{Owner: "acme", Repositories: []string{"web"}, Permissions: map[string]string{"contents": "read", "repository_projects": "write"}},
		},
		{
			name:    "equal levels",
			ceiling: role,
			want:    Scope{Permissions: map[string]string{"workflows": "write", "issues": "read"}},
			out:     Scope{Owner: "acme", Repositories: []string{"api", "web"}, Permissions: map[string]string{"workflows": "write", "issues": "read"}},
		},
		{
			name:    "open ceiling allows any repo and permission",
			ceiling: open,
			want:    Scope{Repositories: []string{"anything"}, Permissions: map[string]string{"administration": "write"}},
			out:     Scope{Owner: "acme", Repositories: []string{"anything"}, Permissions: map[string]string{"administration": "write"}},
		},
		{name: "same owner is fine", ceiling: role, want: Scope{Owner: "ACME"}, out: role},
		{name: "repo outside", ceiling: role, want: Scope{Repositories: []string{"web", "secret", "infra"}}, wantErr: `repositories not allowed by the role: "infra", "secret"`},
		{name: "permission outside", ceiling: role, want: Scope{Permissions: map[string]string{"administration": "read"}}, wantErr: `permission "administration" is not granted by the role`},
		{name: "level above", ceiling: role, want: Scope{Permissions: map[string]string{"issues": "write", "contents": "read"}}, wantErr: `permission "issues"=write exceeds the role's read`},
		{
			name:    "every problem named",
			ceiling: role,
			want:    Scope{Permissions: map[string]string{"issues": "write", "pages": "read"}},
			wantErr: `permission "issues"=write exceeds the role's read; permission "pages" is not granted by the role`,
		},
		{name: "invalid want permission", ceiling: role, want: Scope{Permissions: map[string]string{"contents": "admin"}}, wantErr: `takes read or write, not "admin"`},
		{name: "invalid want repo", ceiling: role, want: Scope{Repositories: []string{"a b"}}, wantErr: `repository "a b" is not`},
		{name: "owner/name in want", ceiling: role, want: Scope{Repositories: []string{"acme/web"}}, out: Scope{Owner: "acme", Repositories: []string{"web"}, Permissions: role.Permissions}},
		{name: "another owner's owner/name in want", ceiling: role, want: Scope{Repositories: []string{"evil/web"}}, wantErr: `repository "evil/web" is not of the role's owner "acme"`},
		{name: "other owner", ceiling: role, want: Scope{Owner: "evil"}, wantErr: `owner is set by the role ("acme")`},
		{name: "other installation", ceiling: Scope{InstallationID: 5}, want: Scope{InstallationID: 6}, wantErr: "installation_id is set by the role"},
		{name: "invalid ceiling", ceiling: Scope{}, want: Scope{}, wantErr: "the role's scope is invalid"},
	}
	runNarrowCases(t, tests)
	if _, err := narrow("deploy", role, Scope{}); err == nil {
		t.Fatal("Narrow accepted a gitlab token type")
	}
}

func TestNarrowReturnsCopies(t *testing.T) {
	t.Parallel()
	ceiling := Scope{Owner: "a", Repositories: []string{"x"}, Permissions: map[string]string{"contents": "read"}}
	out, err := narrow(TokenTypeInstallation, ceiling, Scope{})
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
	s := Scope{Owner: "a", Repositories: in}
	n, err := normalizeScope(s)
	if err != nil {
		panic(err)
	}
	return n.Repositories
}
