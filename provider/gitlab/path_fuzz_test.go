package gitlab

import (
	"strconv"
	"strings"
	"testing"
)

// FuzzResourcePath feeds arbitrary project, group and user paths to the
// checks that stand between a role's path and a GitLab URL: nothing
// panics, and what they accept cannot leave its place in the URL (no '..',
// no empty or dot segments, no percent signs, only GitLab's path
// characters).
func FuzzResourcePath(f *testing.F) {
	for _, s := range []string{
		"acme/app", "acme/sub/app", "42", "042", "0", "-1", "9223372036854775808", "ci-bot", "a..b", "../etc",
		"acme//app", "/acme", "acme/", "%2e%2e", "acme/app.git", "acme/.", "a b", "Ωmega", strings.Repeat("a/", 30) + "a",
		strings.Repeat("x", 256), "acme/app?x=1", "acme/app#x", "acme\\app", ".hidden", "_/-",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		if id, ok := numericID(p); ok && (id <= 0 || strconv.FormatInt(id, 10) != p) {
			t.Fatalf("numericID(%q) = %d", p, id)
		}
		if checkResourcePath(p) == nil {
			if _, ok := numericID(p); !ok {
				requireSafePath(t, p)
			}
		}
		if checkUsername(p) == nil {
			if strings.Contains(p, "/") {
				t.Fatalf("username %q has a '/'", p)
			}
			requireSafePath(t, p)
		}
	})
}

func requireSafePath(t *testing.T, p string) {
	t.Helper()
	if strings.Contains(p, "..") || strings.Contains(p, "//") || strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") {
		t.Fatalf("accepted path %q", p)
	}
	for _, seg := range strings.Split(p, "/") {
		if seg == "" || seg == "." || len(seg) > maxSegment {
			t.Fatalf("accepted path %q with segment %q", p, seg)
		}
	}
	for _, r := range p {
		ok := r == '/' || r == '_' || r == '.' || r == '-' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
		if !ok {
			t.Fatalf("accepted path %q with %q", p, r)
		}
	}
}
