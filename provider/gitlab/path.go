package gitlab

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

const (
	// maxSegment is GitLab's limit on one path segment or a username.
	maxSegment = 255
	// maxDepth is a top-level group, GitLab's 20 levels of subgroups, and
	// a project.
	maxDepth = 22
)

// segmentPattern is GitLab's path charset (Gitlab::PathRegex): letters,
// digits, '_', '-' and '.', not starting with '-'.
var segmentPattern = regexp.MustCompile(`^[A-Za-z0-9_.][A-Za-z0-9_.-]*$`)

// checkResourcePath accepts a project or group full path ("group/sub/app")
// or a numeric id. Everything else is refused here, before it can reach a
// URL: no "..", no leading, trailing or doubled '/', no percent-encoding.
func checkResourcePath(p string) error {
	if p == "" {
		return errors.New("path is required: a project or group full path (group/project) or its numeric id")
	}
	if _, ok := numericID(p); ok {
		return nil
	}
	if strings.Trim(p, "0123456789") == "" {
		// GitLab reads an all-digit :id as an id, never as a path.
		return fmt.Errorf("path %q is not a valid numeric id", p)
	}
	if strings.HasPrefix(p, "/") || strings.HasSuffix(p, "/") {
		return fmt.Errorf("path %q must not start or end with '/'; give the full path as GitLab shows it, such as group/project", p)
	}
	if strings.Contains(p, "//") {
		return fmt.Errorf("path %q must not contain '//'", p)
	}
	if strings.Contains(p, "..") {
		return fmt.Errorf("path %q must not contain '..'", p)
	}
	segments := strings.Split(p, "/")
	if len(segments) > maxDepth {
		return fmt.Errorf("path %q is nested deeper than GitLab allows", p)
	}
	for _, s := range segments {
		if err := checkSegment(s); err != nil {
			return fmt.Errorf("path %q: %w", p, err)
		}
	}
	return nil
}

// checkUsername accepts a GitLab username: one segment of the path charset.
func checkUsername(u string) error {
	if u == "" {
		return errors.New("path is required: for personal tokens, the username of the user or service account")
	}
	if strings.Contains(u, "/") {
		return fmt.Errorf("path %q must be a username for personal tokens, not a project or group path", u)
	}
	if strings.Contains(u, "..") {
		return fmt.Errorf("path %q must not contain '..'", u)
	}
	if err := checkSegment(u); err != nil {
		return fmt.Errorf("path %q is not a GitLab username: %w", u, err)
	}
	return nil
}

func checkSegment(s string) error {
	if len(s) > maxSegment {
		return fmt.Errorf("a name may have at most %d characters", maxSegment)
	}
	if !segmentPattern.MatchString(s) {
		return errors.New("names may contain only letters, digits, '_', '-' and '.', and must not start with '-'")
	}
	lower := strings.ToLower(s)
	if s == "." || strings.HasSuffix(lower, ".git") || strings.HasSuffix(lower, ".atom") {
		return errors.New("names must not be '.' or end in .git or .atom")
	}
	return nil
}

// numericID reports whether p is a positive decimal id without leading
// zeros, as GitLab's API reads a numeric :id.
func numericID(p string) (int64, bool) {
	if p == "" || p[0] == '0' || strings.Trim(p, "0123456789") != "" {
		return 0, false
	}
	id, err := strconv.ParseInt(p, 10, 64)
	return id, err == nil && id > 0
}
