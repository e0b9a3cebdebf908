package gitserver

import "strings"

// repoPath finds the repository in a request path such as
// /acme/app.git/info/refs: the segments up to the first one ending in
// ".git", without that suffix ("acme/app"). It refuses paths that are not
// clean, so that what the callback judges is exactly what the backend
// serves.
func repoPath(urlPath string) (string, bool) {
	rest, ok := strings.CutPrefix(urlPath, "/")
	if !ok {
		return "", false
	}
	segments := strings.Split(rest, "/")
	for i, seg := range segments {
		if seg == "" && i == len(segments)-1 && i > 0 {
			break // a trailing slash
		}
		if seg == "" || seg == "." || seg == ".." {
			return "", false
		}
	}
	for i, seg := range segments {
		name, found := strings.CutSuffix(seg, ".git")
		if found && name != "" {
			return strings.Join(append(segments[:i:i], name), "/"), true
		}
	}
	return "", false
}
