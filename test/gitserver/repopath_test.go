package gitserver

import "testing"

func TestRepoPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path   string
		want   string
		wantOK bool
	}{
		{"/acme/app.git/info/refs", "acme/app", true},
		{"/acme/app.git/git-upload-pack", "acme/app", true},
		{"/acme/app.git", "acme/app", true},
		{"/acme/app.git/", "acme/app", true},
		{"/group/sub/project.git/HEAD", "group/sub/project", true},
		{"/app.git/info/refs", "app", true},
		{"/acme/app/info/refs", "", false},
		{"/acme/.git/info/refs", "", false},
		{"/acme/../app.git/info/refs", "", false},
		{"/acme//app.git/info/refs", "", false},
		{"/./acme/app.git", "", false},
		{"acme/app.git", "", false},
		{"/", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := repoPath(tt.path)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("repoPath(%q) = %q, %v; want %q, %v", tt.path, got, ok, tt.want, tt.wantOK)
		}
	}
}
