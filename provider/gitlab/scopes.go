package gitlab

import "slices"

// scopesFor lists the scopes GitLab lets each token type carry, from
// GitLab's "Access token scopes" and "Deploy tokens" documentation:
//
//   - api … k8s_proxy: personal, group and project access tokens;
//   - read_virtual_registry, write_virtual_registry: personal and group only;
//   - read_user, sudo, admin_mode, read_service_ping: personal only;
//   - deploy tokens have a scope set of their own and never take api.
//
// Scopes behind a beta flag or a GitLab release newer than the engine knows
// are not listed; a role cannot ask for what GitLab may not understand.
// self_rotate is not listed either: see refusedScopes.
func scopesFor(tokenType string) []string {
	accessToken := []string{
		"api", "read_api",
		"read_repository", "write_repository",
		"read_registry", "write_registry",
		"create_runner", "manage_runner",
		"ai_features", "k8s_proxy",
	}
	switch tokenType {
	case TokenTypeProject:
		return accessToken
	case TokenTypeGroup:
		return append(accessToken, "read_virtual_registry", "write_virtual_registry")
	case TokenTypePersonal, TokenTypeServiceAccount:
		return append(accessToken, "read_virtual_registry", "write_virtual_registry",
			"read_user", "sudo", "admin_mode", "read_service_ping")
	case TokenTypeDeploy:
		return []string{
			"read_repository",
			"read_registry", "write_registry",
			"read_package_registry", "write_package_registry",
		}
	}
	return nil
}

// refusedScopes are GitLab scopes no role may carry, with the reason.
// self_rotate's only use is to let whoever holds the token replace it
// (POST …/self/rotate) with a successor GitLab keeps alive for up to a
// year, out of the engine's reach: a leased token would outlive its lease,
// a static role's token its rotation. The engine never needs it on the
// tokens it issues, since it replaces them by creating new ones with the
// connection's token; only that connection token (config/:name) may carry
// it, for rotate-root. api can rotate too, but has other uses, so tokens
// with api are revoked together with their successors instead (revoke.go).
var refusedScopes = map[string]string{
	"self_rotate": "it lets whoever holds the token replace it at GitLab with one that would outlive its lease (or its static role's rotation); the engine rotates and revokes its tokens itself",
}

// canPullImages reports whether a token with these scopes can pull from the
// container registry. GitLab maps read_registry to pulling and api to full
// access; write_registry alone grants only pushing (lib/gitlab/auth.rb,
// abilities_for_scopes), so it does not count.
func canPullImages(tokenType string, scopes []string) bool {
	if slices.Contains(scopes, "read_registry") {
		return true
	}
	return tokenType != TokenTypeDeploy && slices.Contains(scopes, "api")
}

// defaultAccessLevel is GitLab's own default for access tokens.
const defaultAccessLevel = "maintainer"

// accessLevels are the roles an access token's bot user may get, and
// GitLab's numbers for them. GitLab's API accepts Owner (50) for both
// project and group tokens (API::ResourceAccessTokens allows
// Gitlab::Access.options_with_owner); it refuses a level above the
// creator's own, which only GitLab can check.
func accessLevelValue(name string) (int, bool) {
	switch name {
	case "guest":
		return 10, true
	case "planner":
		return 15, true
	case "reporter":
		return 20, true
	case "developer":
		return 30, true
	case "maintainer":
		return 40, true
	case "owner":
		return 50, true
	}
	return 0, false
}

// accessLevelName is the inverse of accessLevelValue; "" for a number GitLab
// has no role name for here.
func accessLevelName(value int) string {
	for _, name := range accessLevelNames() {
		if v, _ := accessLevelValue(name); v == value {
			return name
		}
	}
	return ""
}

func accessLevelNames() []string {
	return []string{"guest", "planner", "reporter", "developer", "maintainer", "owner"}
}

// takesAccessLevel reports whether a token type has a role of its own.
func takesAccessLevel(tokenType string) bool {
	return tokenType == TokenTypeProject || tokenType == TokenTypeGroup
}
