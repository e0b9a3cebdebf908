package gitlab

import (
	"fmt"
	"slices"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

var _ provider.HolderRisker = Kind{}

// HolderRisks implements provider.HolderRisker. What a GitLab token can
// create of its own follows from its scopes and its user's role (GitLab's
// "Access token scopes", "Deploy tokens", "Deploy keys" and "Runners"
// documentation):
//
//   - project and group access tokens can never create access or personal
//     tokens ("You cannot use project access tokens to create other group,
//     project, or personal access tokens"; a 400 from GitLab), nor rotate
//     themselves here (self_rotate is refused, api successors are revoked);
//   - but with api and Maintainer they create deploy tokens and deploy keys
//     (Maintainer on a project, Owner for group deploy tokens), and with
//     create_runner they register runners. None of these names its creator
//     in the API, and none ends when the token does;
//   - a personal token with api acts as its user wherever the user's role
//     allows: access tokens, deploy tokens and keys, SSH keys on the user's
//     account, k8s_proxy personal tokens of its own (POST
//     /user/personal_access_tokens, self-managed GitLab 16.5+), and tokens
//     for anyone if the user is an admin;
//   - deploy tokens cannot use the API at all.
func (Kind) HolderRisks(tokenType string, doc provider.Scope) []string {
	s, err := scopeOf(doc)
	if err != nil {
		return nil
	}
	level, _ := accessLevelValue(s.AccessLevel)
	const maintainer, owner = 40, 50
	var risks []string
	add := func(scope, role, what string) {
		if role != "" {
			scope += " with access_level " + role
		}
		risks = append(risks, fmt.Sprintf("scopes include %s: a holder can create %s, which outlive the token; the engine cannot revoke them", scope, what))
	}
	api := slices.Contains(s.Scopes, "api")
	runner := slices.Contains(s.Scopes, "create_runner")
	switch {
	case tokenType == TokenTypeProject && level >= maintainer:
		if api {
			add("api", s.AccessLevel, "deploy tokens and deploy keys on the project")
		}
		if runner {
			add("create_runner", s.AccessLevel, "runners on the project")
		}
	case tokenType == TokenTypeGroup && level >= owner:
		if api {
			add("api", s.AccessLevel, "deploy tokens on the group, and deploy tokens and deploy keys on each of its projects")
		}
		if runner {
			add("create_runner", s.AccessLevel, "runners on the group and its projects")
		}
	case tokenType == TokenTypeGroup && level >= maintainer:
		if api {
			add("api", s.AccessLevel, "deploy tokens and deploy keys on each of the group's projects")
		}
		if runner {
			add("create_runner", s.AccessLevel, "runners on each of the group's projects")
		}
	case tokenType == TokenTypePersonal:
		if api {
			add("api", "", "what its user may: project and group access tokens, deploy tokens and deploy keys "+
				"wherever the user is a Maintainer or Owner, SSH keys and k8s_proxy personal tokens of the user's own, and tokens for any user if the user is an administrator")
		}
		if runner {
			add("create_runner", "", "runners wherever its user is a Maintainer or Owner")
		}
	}
	return risks
}
