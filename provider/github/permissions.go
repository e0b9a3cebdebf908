package github

import (
	"fmt"
	"slices"
	"strings"
)

// Permission levels, weakest first.
const (
	levelRead  = "read"
	levelWrite = "write"
	levelAdmin = "admin"
)

// levelSet is which levels a permission takes.
type levelSet int

const (
	readWrite levelSet = iota
	readWriteAdmin
	writeOnly
	readOnly
)

func (s levelSet) levels() []string {
	switch s {
	case readWriteAdmin:
		return []string{levelRead, levelWrite, levelAdmin}
	case writeOnly:
		return []string{levelWrite}
	case readOnly:
		return []string{levelRead}
	default:
		return []string{levelRead, levelWrite}
	}
}

// permissionLevels is the one table of installation-token permissions and
// the levels each takes (GitHub's app-permissions schema). It is read-only.
// The request body is sent as a plain map, so a name GitHub adds needs only
// a line here.
var permissionLevels = map[string]levelSet{
	"actions":                             readWrite,
	"administration":                      readWrite,
	"artifact_metadata":                   readWrite,
	"attestations":                        readWrite,
	"checks":                              readWrite,
	"codespaces":                          readWrite,
	"contents":                            readWrite,
	"custom_properties_for_organizations": readWrite,
	"dependabot_secrets":                  readWrite,
	"deployments":                         readWrite,
	"discussions":                         readWrite,
	"email_addresses":                     readWrite,
	"environments":                        readWrite,
	"followers":                           readWrite,
	"git_ssh_keys":                        readWrite,
	"gpg_keys":                            readWrite,
	"interaction_limits":                  readWrite,
	"issues":                              readWrite,
	"members":                             readWrite,
	"merge_queues":                        readWrite,
	"metadata":                            readWrite,
	"organization_administration":         readWrite,
	"organization_announcement_banners":   readWrite,
	"organization_custom_org_roles":       readWrite,
	"organization_custom_roles":           readWrite,
	"organization_hooks":                  readWrite,
	"organization_packages":               readWrite,
	"organization_personal_access_token_requests": readWrite,
	"organization_personal_access_tokens":         readWrite,
	"organization_secrets":                        readWrite,
	"organization_self_hosted_runners":            readWrite,
	"organization_user_blocking":                  readWrite,
	"packages":                                    readWrite,
	"pages":                                       readWrite,
	"pull_requests":                               readWrite,
	"repository_custom_properties":                readWrite,
	"repository_hooks":                            readWrite,
	"secret_scanning_alerts":                      readWrite,
	"secrets":                                     readWrite,
	"security_events":                             readWrite,
	"single_file":                                 readWrite,
	"starring":                                    readWrite,
	"statuses":                                    readWrite,
	"team_discussions":                            readWrite,
	"vulnerability_alerts":                        readWrite,

	"enterprise_custom_properties_for_organizations": readWriteAdmin,
	"organization_custom_properties":                 readWriteAdmin,
	"organization_projects":                          readWriteAdmin,
	"repository_projects":                            readWriteAdmin,

	"organization_copilot_seat_management": writeOnly,
	"profile":                              writeOnly,
	"workflows":                            writeOnly,

	"organization_events": readOnly,
	"organization_plan":   readOnly,
}

// checkPermission normalises one name=level pair and checks it against the
// table, saying what is allowed when it is not.
func checkPermission(name, level string) (string, string, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	level = strings.ToLower(strings.TrimSpace(level))
	set, ok := permissionLevels[name]
	if !ok {
		return "", "", fmt.Errorf("unknown permission %q; GitHub App permissions are: %s", name, strings.Join(permissionNames(), ", "))
	}
	if !slices.Contains(set.levels(), level) {
		return "", "", fmt.Errorf("permission %q takes %s, not %q", name, orList(set.levels()), level)
	}
	return name, level, nil
}

// within reports whether level want is no more than level ceiling for a
// permission: read < write < admin. Permissions that take one level only
// compare by equality, which the ranking gives too.
func within(want, ceiling string) bool {
	return levelRank(want) > 0 && levelRank(want) <= levelRank(ceiling)
}

func levelRank(level string) int {
	switch level {
	case levelRead:
		return 1
	case levelWrite:
		return 2
	case levelAdmin:
		return 3
	default:
		return 0
	}
}

func permissionNames() []string {
	names := make([]string, 0, len(permissionLevels))
	for n := range permissionLevels {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

func orList(words []string) string {
	if len(words) == 1 {
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " or " + words[len(words)-1]
}
