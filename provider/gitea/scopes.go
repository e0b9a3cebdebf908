package gitea

import (
	"fmt"
	"slices"
	"strings"
)

// categories are the scope categories of Gitea's and Forgejo's access
// tokens ("Access Token scope" in both servers' documentation): read:X
// grants the GET routes of X, write:X all of them.
var categories = []string{"activitypub", "admin", "issue", "misc", "notification", "organization", "package", "repository", "user"}

var errWriteUser = fmt.Errorf("scope %q is refused: on Gitea a write:user token, given as the basic-auth password, creates access tokens of any scope for the bot account, which the engine never sees and which outlive the lease; it also adds SSH keys to the bot account", "write:user")

// publicOnly is Gitea's (1.22+) and Forgejo's modifier that limits a token
// to public resources; it only narrows.
const publicOnly = "public-only"

// normalizeScopes checks scope names and returns them as the servers store
// them (Gitea's AccessTokenScope.Normalize): lower-case, de-duplicated,
// read:X dropped where write:X is present, sorted.
//
// Refused: "all" (it includes write:admin) and the admin scopes. A token
// the engine hands out reaches repositories and packages; with write:admin
// and a site-admin bot (which rotation needs) its holder could set the bot
// account's password, cutting the engine off, or make users and tokens the
// engine never sees.
//
// Refused too: write:user. Gitea takes an access token as the basic-auth
// password on its token API (services/auth/basic.go signs it in under the
// basic method, which is all reqBasicOrRevProxyAuth asks; the route group
// asks the token for write:user to create), so a write:user holder mints
// tokens of any scope, "all" included, that the engine never sees and that
// outlive the lease. (Forgejo asks for a password sign-in there; write:user
// would still add SSH keys to the bot.) read:user stays: listing tokens
// shows no values.
func normalizeScopes(in []string) ([]string, error) {
	set := map[string]bool{}
	for _, raw := range in {
		s := strings.ToLower(strings.TrimSpace(raw))
		switch {
		case s == "":
			continue
		case s == "all":
			return nil, fmt.Errorf("scope %q is refused: it includes write:admin; name the scopes the token needs, such as read:repository", s)
		case s == publicOnly:
		default:
			level, cat, ok := strings.Cut(s, ":")
			if !ok || (level != "read" && level != "write") || !slices.Contains(categories, cat) {
				return nil, fmt.Errorf("unknown scope %q: Gitea scopes are read:X or write:X for X in %s, or %s", raw, strings.Join(categories, ", "), publicOnly)
			}
			if cat == "admin" {
				return nil, fmt.Errorf("scope %q is refused: an admin token could change the bot account's password and make credentials the engine cannot revoke", s)
			}
			if s == "write:user" {
				return nil, errWriteUser
			}
		}
		set[s] = true
	}
	var out []string
	for s := range set {
		if cat, ok := strings.CutPrefix(s, "read:"); ok && set["write:"+cat] {
			continue
		}
		out = append(out, s)
	}
	if len(out) == 0 || (len(out) == 1 && out[0] == publicOnly) {
		return nil, fmt.Errorf("scopes are required, such as read:repository (Gitea tokens need at least one)")
	}
	slices.Sort(out)
	return out, nil
}

// grants reports whether scopes (normalised) grant scope s.
func grants(scopes []string, s string) bool {
	if slices.Contains(scopes, s) {
		return true
	}
	cat, ok := strings.CutPrefix(s, "read:")
	return ok && slices.Contains(scopes, "write:"+cat)
}

// canPullImages reports scopes that let the token log in to the server's
// container registry (Gitea's registry takes an access token as the
// password and needs read:package to pull).
func canPullImages(scopes []string) bool { return grants(scopes, "read:package") }
