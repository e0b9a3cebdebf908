package gitea

// Help implements provider.Kind.
func (Kind) Help(topic string) string { return help[topic] }

var help = map[string]string{
	"base_url":       "Gitea and Forgejo: required, the server root (https://git.example.com).",
	"registry_host":  "Gitea and Forgejo: unset means the base_url host.",
	"token_type":     "gitea: access (an access token of the connection's bot account).",
	"scope_template": "",
	"config": `Gitea and Forgejo: the bot account the engine signs in as (username) and its
password (write-only; Gitea and Forgejo manage tokens only for a caller signed
in with the password). base_url is the server root and is required. A read
shows the account, whether it is a site administrator, the server (gitea or
forgejo) and its version, and whether it can restrict tokens to repositories.
registry_host defaults to the host of base_url.`,
	"roles": `Gitea roles name the scopes tokens get (read:X or write:X, e.g.
read:repository, read:package; the admin scopes and "all" are refused) and,
on Forgejo v15 and later only, the repositories (owner/name) tokens are
limited to. A role with repositories on a server that cannot restrict is
refused at write: Gitea would issue a token for every repository the bot
account reaches.`,
	"creds": `Gitea: a write may narrow scopes and repositories. The response has the
token's scopes and token_id; with read:package, registry and
docker_config_json for the server's container registry.`,
	"rotate-root": `Gitea and Forgejo: a new random password for the bot account, set through the
admin API, which only a site administrator may call; for any other account
rotate-root is a 400. The new password is stored before anything else
happens; the old one stops working at once. Access tokens already issued keep
working.`,
	"static-roles": "",
}
