package fakegithub

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// links parses a Link header into rel → URL.
func links(t *testing.T, header string) map[string]string {
	t.Helper()
	out := map[string]string{}
	if header == "" {
		return out
	}
	re := regexp.MustCompile(`^<([^>]+)>; rel="(\w+)"$`)
	for _, part := range strings.Split(header, ", ") {
		m := re.FindStringSubmatch(part)
		if m == nil {
			t.Fatalf("malformed Link part %q", part)
		}
		out[m[2]] = m[1]
	}
	return out
}

func addInstallations(f *fixture, n int) {
	for i := range n {
		f.AddInstallation(Installation{AppID: testAppID, Account: "org" + itoa(int64(i)), AllRepos: []string{"r"},
			Permissions: map[string]string{"metadata": "read"}})
	}
}

func TestListInstallationsFollowsLinkOverPages(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	addInstallations(f, 7) // 8 with the fixture's: pages of 3, 3, 2

	var seen []int64
	path := "/app/installations?per_page=3"
	for pageNo := 1; path != ""; pageNo++ {
		resp := f.do(request{path: path, auth: "Bearer " + f.jwt()})
		wantStatus(t, resp, http.StatusOK)
		var page []installationJSON
		resp.decode(t, &page)
		for _, in := range page {
			seen = append(seen, in.ID)
		}
		rel := links(t, resp.Header.Get("Link"))
		wantRels := map[int][]string{1: {"next", "last"}, 2: {"prev", "next", "last", "first"}, 3: {"prev", "first"}}[pageNo]
		if len(rel) != len(wantRels) {
			t.Fatalf("page %d: rels %v, want %v", pageNo, rel, wantRels)
		}
		for _, r := range wantRels {
			if rel[r] == "" {
				t.Fatalf("page %d: no rel=%q in %v", pageNo, r, rel)
			}
		}
		if last, _ := url.Parse(rel["last"]); last != nil && rel["last"] != "" && last.Query().Get("page") != "3" {
			t.Errorf("page %d: last is %s", pageNo, rel["last"])
		}
		path = ""
		if next := rel["next"]; next != "" {
			u, err := url.Parse(next)
			if err != nil || !strings.HasPrefix(next, f.URL()) {
				t.Fatalf("next %q is not an absolute URL on the fake", next)
			}
			path = u.RequestURI()
		}
	}
	if len(seen) != 8 {
		t.Fatalf("saw %d installations over the pages, want 8: %v", len(seen), seen)
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] <= seen[i-1] {
			t.Fatalf("installations repeated or out of order: %v", seen)
		}
	}
}

func TestListInstallationsPageSizes(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	addInstallations(f, 119) // 120 in all
	tests := []struct {
		query    string
		wantLen  int
		wantLast string // page number of rel="last"; "" for none
	}{
		{"", 30, "4"},
		{"?per_page=100", 100, "2"},
		{"?per_page=500", 100, "2"}, // capped at 100
		{"?per_page=0", 30, "4"},
		{"?per_page=abc", 30, "4"},
		{"?per_page=100&page=2", 20, ""},
		{"?per_page=100&page=9", 0, ""},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			resp := f.do(request{path: "/app/installations" + tc.query, auth: "Bearer " + f.jwt()})
			wantStatus(t, resp, http.StatusOK)
			var page []installationJSON
			resp.decode(t, &page)
			if len(page) != tc.wantLen {
				t.Errorf("got %d installations, want %d", len(page), tc.wantLen)
			}
			last := ""
			if l := links(t, resp.Header.Get("Link"))["last"]; l != "" {
				u, _ := url.Parse(l)
				last = u.Query().Get("page")
			}
			if last != tc.wantLast {
				t.Errorf("last page %q, want %q", last, tc.wantLast)
			}
		})
	}
}

func TestSinglePageHasNoLink(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	resp := f.do(request{path: "/app/installations", auth: "Bearer " + f.jwt()})
	wantStatus(t, resp, http.StatusOK)
	if l := resp.Header.Get("Link"); l != "" {
		t.Errorf("Link %q on a single page", l)
	}
	if !strings.HasPrefix(resp.body, "[") {
		t.Errorf("body %q is not a JSON array", resp.body)
	}
}
