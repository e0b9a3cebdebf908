package gitea

import (
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

var _ provider.HolderRisker = Kind{}

// HolderRisks implements provider.HolderRisker. A Gitea token acts as the
// bot account within its scopes (Gitea's API documentation, by route):
//
//   - write:repository adds deploy keys (POST /repos/{owner}/{repo}/keys),
//     collaborators (PUT /repos/{owner}/{repo}/collaborators/{user}, any
//     user, the holder's own account included) and webhooks (POST
//     /repos/{owner}/{repo}/hooks) to repositories the bot administers;
//   - write:organization adds members to the teams (PUT
//     /teams/{id}/members/{user}) and webhooks of organisations the bot
//     owns.
//
// None of these ends with the token, and the engine cannot see them.
// write:user (SSH keys on the bot, and on Gitea new access tokens through
// the token given as the basic-auth password) and the admin scopes (the
// bot's password) are refused outright (scopes.go).
func (Kind) HolderRisks(_ string, doc provider.Scope) []string {
	s, err := scopeOf(doc)
	if err != nil {
		return nil
	}
	var risks []string
	if grants(s.Scopes, "write:repository") {
		risks = append(risks, "scopes include write:repository: a holder can add deploy keys, collaborators (any user, their own included) and webhooks to repositories the bot account administers, which outlive the token; the engine cannot revoke them")
	}
	if grants(s.Scopes, "write:organization") {
		risks = append(risks, "scopes include write:organization: a holder can add members to the teams of organisations the bot account owns, and organisation webhooks, which outlive the token; the engine cannot revoke them")
	}
	return risks
}
