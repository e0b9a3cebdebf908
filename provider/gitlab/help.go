package gitlab

// Help implements provider.Kind.
func (Kind) Help(topic string) string {
	return help[topic]
}

var help = map[string]string{
	"registry_host":  "Self-managed GitLab: unset means the host GitLab names in a project's container_registry_image_prefix (project and deploy tokens on a project).",
	"token_type":     "gitlab: project, group (access tokens), deploy (project or group deploy token) personal (admin-created, for a user or service account) or service_account (a group's service account, created by the role write when missing).",
	"scope_template": "path (gitlab)",
	"config": `GitLab: a token with the api scope (token). Project and group access tokens
need Maintainer or Owner on the target; personal tokens need an administrator;
service_account roles need Owner of the top-level group (or an administrator).
A read shows the token's id, scopes and expiry. registry_host, when unset on a
self-managed GitLab, is what GitLab names in a project's
container_registry_image_prefix.`,
	"roles": `GitLab roles name the path, scopes and access level tokens get. A
service_account role names a service account (service_account) of the
top-level group path; writing it creates the account when it does not exist,
and deleting the last role of an account it created deletes the account,
once no token of it is live. The account's memberships decide what its
tokens reach.`,
	"creds": `GitLab: a write may narrow scopes. A read of tokens/ also asks GitLab whether
the token is still active and when it was last used.`,
	"rotate-root": `GitLab: the connection's token replaces itself through GitLab's rotate API.
The new token is stored before anything else happens; the old one stops
working at once. The new token lives token_lifetime (config/<name>).`,
	"static-roles": `GitLab: project, group, deploy, personal or service_account tokens. Scope
fields are those of roles/: path, scopes, access_level for project and group
tokens, service_account for service_account tokens.`,
}
