package provider

import (
	"net/url"
	"strings"
)

// PublicRegistryHost is k's DefaultRegistryHost when baseURL is k's public
// API root (DefaultBaseURL; empty means it), and "" for any other server. A
// token from GitHub Enterprise Server or a self-managed GitLab is not valid
// on ghcr.io or registry.gitlab.com, so pairing the two would only hand the
// token to a registry that cannot use it.
func PublicRegistryHost(k Kind, baseURL string) string {
	if baseURL == "" || sameRoot(baseURL, k.DefaultBaseURL()) {
		return k.DefaultRegistryHost()
	}
	return ""
}

// sameRoot compares two API roots as URLs: scheme and host without regard
// to case, path without regard to a trailing slash.
func sameRoot(a, b string) bool {
	ua, errA := url.Parse(strings.TrimSpace(a))
	ub, errB := url.Parse(strings.TrimSpace(b))
	if errA != nil || errB != nil || ua.User != nil {
		return false
	}
	return strings.EqualFold(ua.Scheme, ub.Scheme) && strings.EqualFold(ua.Host, ub.Host) &&
		strings.TrimRight(ua.Path, "/") == strings.TrimRight(ub.Path, "/") &&
		ua.RawQuery == "" && ua.Fragment == ""
}
