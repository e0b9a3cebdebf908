package gitsecrets

import (
	"context"
	"testing"
)

func TestReadConnectionFollowsStorage(t *testing.T) {
	t.Parallel()
	e := newTestEnv(t)
	ctx := context.Background()
	put := func(c *connection) {
		t.Helper()
		if err := putConnection(ctx, e.storage, c); err != nil {
			t.Fatal(err)
		}
	}
	read := func() *connection {
		t.Helper()
		c, err := e.b.readConnection(ctx, e.storage, "gl")
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	steps := []struct {
		name    string
		change  func()
		wantURL string // "" when the connection must be gone
	}{
		{"first read decodes", func() { put(&connection{Name: "gl", Provider: "gitlab", BaseURL: "https://a.example"}) }, "https://a.example"},
		{"unchanged bytes read the same", func() {}, "https://a.example"},
		{"a caller's change to its copy stays its own", func() { read().BaseURL = "https://mutated.example" }, "https://a.example"},
		{"a rewrite is seen", func() { put(&connection{Name: "gl", Provider: "gitlab", BaseURL: "https://b.example"}) }, "https://b.example"},
		{"a delete is seen", func() {
			if err := e.storage.Delete(ctx, configStoragePrefix+"gl"); err != nil {
				t.Fatal(err)
			}
		}, ""},
		{"a connection written again after a delete is seen", func() { put(&connection{Name: "gl", Provider: "gitlab", BaseURL: "https://c.example"}) }, "https://c.example"},
	}
	// Steps build on each other, so they run in order.
	for _, s := range steps {
		s.change()
		got := read()
		switch {
		case s.wantURL == "" && got != nil:
			t.Errorf("%s: read %+v, want no connection", s.name, got)
		case s.wantURL != "" && (got == nil || got.BaseURL != s.wantURL || got.Name != "gl"):
			t.Errorf("%s: read %+v, want gl at %s", s.name, got, s.wantURL)
		}
	}
}
