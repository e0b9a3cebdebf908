package fakegitlab

// Which scopes each kind of token may be created with, from Gitlab::Auth
// (18.x) and GitLab's token documentation.

// personalScope: every scope a personal access token may hold.
func personalScope(s string) bool {
	switch s {
	case "read_user", "sudo", "admin_mode", "read_service_ping":
		return true
	}
	return groupTokenScope(s)
}

// groupTokenScope: resource bot scopes; personal-only scopes are refused.
func groupTokenScope(s string) bool {
	switch s {
	case "read_virtual_registry", "write_virtual_registry":
		return true
	}
	return projectTokenScope(s)
}

// projectTokenScope: as for groups, without the virtual-registry scopes,
// which GitLab documents for personal and group tokens only.
func projectTokenScope(s string) bool {
	switch s {
	case "api", "read_api", "create_runner", "manage_runner", "k8s_proxy", "self_rotate",
		"read_repository", "write_repository", "read_registry", "write_registry",
		"read_observability", "write_observability", "ai_features":
		return true
	}
	return false
}

// deployTokenScope: DeployToken::AVAILABLE_SCOPES.
func deployTokenScope(s string) bool {
	switch s {
	case "read_repository", "read_registry", "write_registry",
		"read_package_registry", "write_package_registry",
		"read_virtual_registry", "write_virtual_registry":
		return true
	}
	return false
}

func resourceTokenScope(kind string) func(string) bool {
	if kind == "group" {
		return groupTokenScope
	}
	return projectTokenScope
}

// abilities maps a token scope to what it allows outside the REST API
// (Gitlab::Auth#abilities_for_scopes, plus package registry access, which
// personal tokens get through api and read_api).
func abilities(scope string) []string {
	switch scope {
	case "api":
		return []string{"download_code", "push_code", "read_container_image", "create_container_image", "read_package", "write_package"}
	case "read_api":
		return []string{"download_code", "read_container_image", "read_package"}
	case "read_repository":
		return []string{"download_code"}
	case "write_repository":
		return []string{"download_code", "push_code"}
	case "read_registry":
		return []string{"read_container_image"}
	case "write_registry":
		return []string{"create_container_image"}
	case "read_package_registry":
		return []string{"read_package"}
	case "write_package_registry":
		return []string{"write_package"}
	case "read_virtual_registry":
		return []string{"read_dependency_proxy"}
	case "write_virtual_registry":
		return []string{"write_dependency_proxy"}
	}
	return nil
}

// requiredAbility is what CheckBasicAuth's scope argument asks for, and the
// least role a user needs on a private project for it.
func requiredAbility(scope string) (ability string, minLevel int, ok bool) {
	switch scope {
	case "read_repository":
		return "download_code", levelReporter, true
	case "write_repository":
		return "push_code", levelDeveloper, true
	case "read_registry":
		return "read_container_image", levelReporter, true
	case "write_registry":
		return "create_container_image", levelDeveloper, true
	case "read_package_registry":
		return "read_package", levelReporter, true
	case "write_package_registry":
		return "write_package", levelDeveloper, true
	case "read_virtual_registry":
		return "read_dependency_proxy", levelGuest, true
	case "write_virtual_registry":
		return "write_dependency_proxy", levelMaintainer, true
	}
	return "", 0, false
}
