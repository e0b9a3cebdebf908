package fakegithub

// permissionLevels returns the levels GitHub accepts for a permission, or
// nil for a name it does not know. The list follows GitHub's schema as
// tracked by actions/create-github-app-token; add names as GitHub does.
func permissionLevels(name string) []string {
	switch name {
	case "organization_projects", "organization_custom_properties",
		"enterprise_custom_properties_for_organizations", "repository_projects":
		return []string{"read", "write", "admin"}
	case "workflows", "profile", "organization_copilot_seat_management":
		return []string{"write"}
	case "organization_events", "organization_plan":
		return []string{"read"}
	case "actions", "administration", "artifact_metadata", "attestations", "checks",
		"codespaces", "contents", "custom_properties_for_organizations",
		"dependabot_secrets", "deployments", "discussions", "email_addresses",
		"environments", "followers", "git_ssh_keys", "gpg_keys", "interaction_limits",
		"issues", "members", "merge_queues", "metadata", "organization_administration",
		"organization_announcement_banners", "organization_custom_org_roles",
		"organization_custom_roles", "organization_hooks", "organization_packages",
		"organization_personal_access_token_requests", "organization_personal_access_tokens",
		"organization_secrets", "organization_self_hosted_runners",
		"organization_user_blocking", "packages", "pages", "pull_requests",
		"repository_custom_properties", "repository_hooks", "secret_scanning_alerts",
		"secrets", "security_events", "single_file", "starring", "statuses",
		"team_discussions", "vulnerability_alerts":
		return []string{"read", "write"}
	}
	return nil
}

// levelRank orders access levels; 0 is not a level.
func levelRank(level string) int {
	switch level {
	case "read":
		return 1
	case "write":
		return 2
	case "admin":
		return 3
	}
	return 0
}

// permissionAllowed reports whether a token may be given level of name on
// an installation granted the levels in granted.
func permissionAllowed(granted map[string]string, name, level string) bool {
	valid := false
	for _, l := range permissionLevels(name) {
		valid = valid || l == level
	}
	have, ok := granted[name]
	return valid && ok && levelRank(have) >= levelRank(level)
}
