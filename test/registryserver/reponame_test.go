package registryserver

import "testing"

func TestRepoName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		path   string
		want   string
		wantOK bool
	}{
		{"/v2/acme/app/manifests/latest", "acme/app", true},
		{"/v2/acme/app/manifests/sha256:0123", "acme/app", true},
		{"/v2/acme/app/blobs/sha256:0123", "acme/app", true},
		{"/v2/acme/app/blobs/uploads/", "acme/app", true},
		{"/v2/acme/app/blobs/uploads/1234-abcd", "acme/app", true},
		{"/v2/acme/app/tags/list", "acme/app", true},
		{"/v2/group/sub/project/image/manifests/v1", "group/sub/project/image", true},
		{"/v2/my-org/my_app.web/manifests/latest", "my-org/my_app.web", true},
		{"/v2/app/manifests/latest", "app", true},
		{"/v2/acme/blobs/app/manifests/blobs", "acme/blobs/app", true},
		{"/v2/", "", false},
		{"/v2/_catalog", "", false},
		{"/v2/Acme/App/manifests/latest", "", false},
		{"/v2/acme/../app/manifests/latest", "", false},
		{"/v2/acme//app/manifests/latest", "", false},
		{"/v2/manifests/latest", "", false},
		{"/acme/app/manifests/latest", "", false},
	}
	for _, tt := range tests {
		got, ok := repoName(tt.path)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("repoName(%q) = %q, %v; want %q, %v", tt.path, got, ok, tt.want, tt.wantOK)
		}
	}
}
