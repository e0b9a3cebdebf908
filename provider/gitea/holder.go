package gitea

import (
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

var _ provider.HolderRisker = Kind{}

// HolderRisks implements provider.HolderRisker. A Gitea token acts as the
// bot account within its scopes (Gitea's API documentation, by route):
//
//   - write:repository adds deploy keys (POST /repos/{owner}/{repo}/keys)
//     to repositories the bot administers;
//   - write:user adds SSH and GPG keys to the bot account (POST /user/keys,
//     /user/gpg_keys), which then reach everything the bot reaches over
//     SSH, and OAuth2 applications (POST /user/applications/oauth2).
//
// None of these ends with the token, and the engine cannot see them.
// Creating access tokens takes the password (basic auth), so a token
// cannot mint tokens; the admin scopes, which could change the password,
// are refused outright (scopes.go).
func (Kind) HolderRisks(_ string, doc provider.Scope) []string {
	s, err := scopeOf(doc)
	if err != nil {
		return nil
	}
	var risks []string
	if grants(s.Scopes, "write:repository") {
		risks = append(risks, "scopes include write:repository: a holder can add deploy keys to repositories the bot account administers, which outlive the token; the engine cannot revoke them")
	}
	if grants(s.Scopes, "write:user") {
		risks = append(risks, "scopes include write:user: a holder can add SSH keys and OAuth2 applications to the bot account, which outlive the token and reach everything the bot reaches; the engine cannot revoke them")
	}
	return risks
}
