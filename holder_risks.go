package gitsecrets

import (
	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// addHolderWarnings relays what the provider says a holder of the role's
// tokens can create that outlives them (provider.HolderRisker): the engine
// can revoke only what it issued, so the operator hears it when writing the
// role. It returns resp, created when there is something to say.
func addHolderWarnings(resp *logical.Response, kind provider.Kind, tokenType string, s provider.Scope) *logical.Response {
	hr, ok := kind.(provider.HolderRisker)
	if !ok {
		return resp
	}
	for _, w := range hr.HolderRisks(tokenType, s) {
		if resp == nil {
			resp = &logical.Response{}
		}
		resp.AddWarning(w)
	}
	return resp
}
