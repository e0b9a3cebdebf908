package registryserver

import "regexp"

// repoRoute matches the registry API paths that concern one repository
// (/v2/<name>/manifests/<ref>, /v2/<name>/blobs/..., /v2/<name>/tags/list,
// /v2/<name>/referrers/<digest>). name follows the OCI distribution grammar:
// lowercase components joined by "/". The greedy name takes the longest
// match, as the distribution registry does, so /v2/a/blobs/uploads/ is
// repository "a".
var repoRoute = regexp.MustCompile(`^/v2/((?:[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*/)*[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)/(?:manifests|blobs|tags|referrers)/`)

// repoName is the repository a registry API path concerns, if any.
func repoName(urlPath string) (string, bool) {
	m := repoRoute.FindStringSubmatch(urlPath)
	if m == nil {
		return "", false
	}
	return m[1], true
}

// isBase reports the API version check, GET /v2/, which clients use to
// discover the auth scheme and `docker login` uses to test credentials.
func isBase(urlPath string) bool {
	return urlPath == "/v2/" || urlPath == "/v2"
}
