package gitlab

// Help implements provider.Kind.
func (Kind) Help(topic string) string {
	return help[topic]
}

var help = map[string]string{
	"token_type":     "gitlab: project, group (access tokens), deploy (project or group deploy token) or personal (admin-created, for a user or service account).",
	"scope_template": "path (gitlab)",
	"config": `GitLab: a token with the api scope (token). Project and group access tokens
need Maintainer or Owner on the target; personal tokens need an administrator.
A read shows the token's id, scopes and expiry. registry_host, when unset on a
self-managed GitLab, is what GitLab names in a project's
container_registry_image_prefix.`,
	"roles": `GitLab roles name the path, scopes and access level tokens get.`,
	"creds": `GitLab: a write may narrow scopes. A read of tokens/ also asks GitLab whether
the token is still active and when it was last used.`,
	"rotate-root": `GitLab: the connection's token replaces itself through GitLab's rotate API.
The new token is stored before anything else happens; the old one stops
working at once. The new token lives token_lifetime (config/<name>).`,
	"static-roles": `GitLab: project, group, deploy or personal tokens. Scope fields are those of
roles/: path, scopes and, for project and group tokens, access_level.`,
}
