package github

import (
	"context"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegithub"
)

func TestValidateScopeRepositoryIDs(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      []string
		want    []string
		wantErr string
	}{
		{name: "sorted by value, deduplicated, leading zeros dropped", in: []string{" 20 ", "3", "003", "100"}, want: []string{"3", "20", "100"}},
		{name: "not a number", in: []string{"web"}, wantErr: `repository_ids entry "web" is not a repository id`},
		{name: "zero", in: []string{"0"}, wantErr: `repository_ids entry "0" is not a repository id`},
		{name: "negative", in: []string{"-4"}, wantErr: `repository_ids entry "-4" is not a repository id`},
		{name: "too large", in: []string{"99999999999999999999"}, wantErr: "is not a repository id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := Scope{Owner: "acme", RepositoryIDs: tt.in}
			err := validateScope(TokenTypeInstallation, &s)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want it to contain %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(s.RepositoryIDs, tt.want) {
				t.Fatalf("RepositoryIDs = %q, want %q", s.RepositoryIDs, tt.want)
			}
		})
	}
	ids := make([]string, 0, maxRepositories)
	names := []string{"api"}
	for i := range maxRepositories {
		ids = append(ids, strconv.Itoa(i+1))
	}
	s := Scope{Owner: "acme", Repositories: names, RepositoryIDs: ids}
	if err := validateScope(TokenTypeInstallation, &s); err == nil || !strings.Contains(err.Error(), "GitHub allows at most 500") {
		t.Fatalf("501 names and ids: error = %v, want GitHub's limit", err)
	}
}

func TestNarrowRepositoryIDs(t *testing.T) {
	t.Parallel()
	byID := Scope{Owner: "acme", RepositoryIDs: []string{"3", "20"}}
	byName := Scope{Owner: "acme", Repositories: []string{"api"}}
	both := Scope{Owner: "acme", Repositories: []string{"api"}, RepositoryIDs: []string{"3"}}
	open := Scope{Owner: "acme"}
	tests := []narrowCase{
		{name: "empty want takes the ceiling's ids", ceiling: byID, out: byID},
		{name: "a subset of the ids", ceiling: byID, want: Scope{RepositoryIDs: []string{"020"}}, out: Scope{Owner: "acme", RepositoryIDs: []string{"20"}}},
		{name: "an id outside the ceiling", ceiling: byID, want: Scope{RepositoryIDs: []string{"4"}}, wantErr: `repository_ids not allowed by the role: "4"`},
		{name: "an open ceiling takes any id", ceiling: open, want: Scope{RepositoryIDs: []string{"4"}}, out: Scope{Owner: "acme", RepositoryIDs: []string{"4"}}},
		{name: "ids against a names-only ceiling", ceiling: byName, want: Scope{RepositoryIDs: []string{"4"}}, wantErr: "the role names its repositories by name"},
		{name: "names against an ids-only ceiling", ceiling: byID, want: Scope{Repositories: []string{"api"}}, wantErr: "the role names its repositories by id"},
		// Narrowing by names alone must not keep the ceiling's ids: GitHub
		// gives the union, which would widen the request.
		{name: "names only drop the ceiling's ids", ceiling: both, want: Scope{Repositories: []string{"api"}}, out: Scope{Owner: "acme", Repositories: []string{"api"}}},
		{name: "ids only drop the ceiling's names", ceiling: both, want: Scope{RepositoryIDs: []string{"3"}}, out: Scope{Owner: "acme", RepositoryIDs: []string{"3"}}},
		{name: "a bad id", ceiling: byID, want: Scope{RepositoryIDs: []string{"x"}}, wantErr: `repository_ids entry "x" is not a repository id`},
	}
	runNarrowCases(t, tests)
}

func TestIssueByRepositoryID(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	c := f.client(t)
	infra := strconv.FormatInt(f.fake.RepositoryID("Acme/Infra"), 10)
	api := strconv.FormatInt(f.fake.RepositoryID("Acme/api"), 10)
	tok, err := c.Issue(context.Background(), issueReq(Scope{Owner: "acme", RepositoryIDs: []string{infra}}))
	if err != nil {
		t.Fatal(err)
	}
	defer revoke(t, c, tok)
	if !reflect.DeepEqual(scopeIn(tok).Repositories, []string{"Infra"}) || !reflect.DeepEqual(scopeIn(tok).RepositoryIDs, []string{infra}) {
		t.Fatalf("got repositories %q ids %q, want [Infra] [%s]", scopeIn(tok).Repositories, scopeIn(tok).RepositoryIDs, infra)
	}
	issued, _ := f.fake.Lookup(tok.Token)
	if !reflect.DeepEqual(issued.Repositories, []string{"Infra"}) {
		t.Fatalf("the fake gave the token %q", issued.Repositories)
	}

	// Names and ids together reach both; the answer lists ids too.
	both, err := c.Issue(context.Background(), issueReq(Scope{Owner: "acme", Repositories: []string{"infra"}, RepositoryIDs: []string{api}}))
	if err != nil {
		t.Fatal(err)
	}
	defer revoke(t, c, both)
	wantIDs := []string{api, infra}
	if api > infra && len(api) == len(infra) || len(api) > len(infra) {
		wantIDs = []string{infra, api}
	}
	if !reflect.DeepEqual(scopeIn(both).Repositories, []string{"api", "Infra"}) || !reflect.DeepEqual(scopeIn(both).RepositoryIDs, wantIDs) {
		t.Fatalf("got repositories %q ids %q", scopeIn(both).Repositories, scopeIn(both).RepositoryIDs)
	}

	// An id GitHub does not know, or one of another account, is GitHub's
	// 422: nothing is minted.
	f.fake.AddInstallation(fakegithub.Installation{AppID: testAppID, Account: "someone", Repositories: []string{"else"}})
	other := strconv.FormatInt(f.fake.RepositoryID("someone/else"), 10)
	for _, id := range []string{other, "987654321"} {
		_, err = c.Issue(context.Background(), issueReq(Scope{Owner: "acme", RepositoryIDs: []string{id}}))
		if !errors.Is(err, provider.ErrInvalidRequest) || !strings.Contains(err.Error(), "not accessible to the parent installation") {
			t.Fatalf("id %s outside the installation: error = %v, want GitHub's 422", id, err)
		}
	}
	if n := len(f.fake.LiveTokens()); n != 2 {
		t.Fatalf("%d live tokens, want the 2 issued above", n)
	}
}
