package github

// Help implements provider.Kind.
func (Kind) Help(topic string) string {
	return help[topic]
}

var help = map[string]string{
	"token_type":     "github: installation (the default).",
	"scope_template": "owner, repositories and repository_ids (github)",
	"base_url":       "GitHub Enterprise Server: https://HOST/api/v3.",
	"ttl":            "GitHub tokens live 1h at most.",
	"config": `GitHub: a GitHub App (app_id, optional client_id, private_key). The engine
signs short JWTs with the key and mints installation tokens. A read shows the
key's SHA-256 fingerprint as GitHub displays it. base_url of GitHub Enterprise
Server: https://HOST/api/v3.`,
	"roles": `GitHub roles name the repositories and permissions tokens may reach.
They may restrict by repositories (names), repository_ids (numeric ids, which
unlike names are never reused) or both; tokens reach both lists. A
repositories entry may be a pattern (svc-*, team-?-api; * and ? only,
case-insensitive): a creds read gets every repository of the installation
that matches, and a narrowing request names repositories that match. The
installation's repository list is looked up at issue time and kept a
minute; patterns matching nothing, or more than GitHub's 500 repositories
per token, refuse the request with a 400 and no token request.`,
	"creds": `GitHub: a write may narrow repositories, repository_ids and permissions, by
the kind of list (names or ids) the role restricts by. hashed_token is the
form GitHub's audit log uses. Leases end a minute before GitHub's fixed hour.`,
	"rotate-root": `GitHub: App keys cannot be created through GitHub's API. Generate a key on the
App's settings page, add it to the connection with staged_private_keys, then
rotate: signing moves to the next staged key once GitHub accepts it, and the
key that signed until then is dropped from the connection. Delete that key on
GitHub afterwards. Without a staged key, rotation is refused.`,
}
