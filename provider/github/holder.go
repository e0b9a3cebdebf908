package github

import (
	"fmt"
	"slices"
	"strings"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

var _ provider.HolderRisker = Kind{}

// lastingGrants are the permissions whose write level lets an installation
// token create something that outlives it, from the permissions GitHub's
// REST reference names for each endpoint: deploy keys (POST
// /repos/{owner}/{repo}/keys) and repository runner registration tokens
// need administration; organization invitations and team membership,
// members; organization runner registration tokens,
// organization_self_hosted_runners; reviewing fine-grained personal access
// token requests, organization_personal_access_token_requests; and
// changing files under .github/workflows, workflows. An installation token
// cannot mint another installation token: that takes the App's JWT.
var lastingGrants = map[string]string{
	"administration":                   "deploy keys (SSH keys for the repositories) and self-hosted runners",
	"members":                          "organization invitations and team memberships for accounts of its choosing",
	"workflows":                        "workflows that keep running with the repositories' secrets",
	"organization_self_hosted_runners": "self-hosted runners for the organization",
	"organization_personal_access_token_requests": "approvals of fine-grained personal access tokens for the organization",
}

// HolderRisks implements provider.HolderRisker. A role without permissions
// passes on all of the installation's, which the engine does not know
// until it asks GitHub, so that is a risk of its own.
func (Kind) HolderRisks(tokenType string, doc provider.Scope) []string {
	s, err := scopeOf(doc)
	if tokenType != TokenTypeInstallation || err != nil {
		return nil
	}
	names := make([]string, 0, len(lastingGrants))
	for name := range lastingGrants {
		names = append(names, name)
	}
	slices.Sort(names)
	if len(s.Permissions) == 0 {
		return []string{fmt.Sprintf("permissions is empty, so tokens get every permission of the installation; if that includes write on any of %s, "+
			"a holder can create credentials that outlive the token and the engine cannot revoke; list permissions to rule it out", strings.Join(names, ", "))}
	}
	var risks []string
	for _, name := range names {
		if level := s.Permissions[name]; levelRank(level) >= levelRank(levelWrite) {
			risks = append(risks, fmt.Sprintf("permissions include %s=%s: a holder can create %s, which outlive the token; the engine cannot revoke them",
				name, level, lastingGrants[name]))
		}
	}
	return risks
}
