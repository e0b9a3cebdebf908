package gitsecrets

import "fmt"

// maxTokenName bounds the name a token is given at the provider.
const maxTokenName = 200

// providerTokenName labels the token at the provider with the role, the
// requester and the token's inventory id (which also lets a rollback find a
// token whose creation answer was lost).
func providerTokenName(roleName, requester, ref string) string {
	return truncate(fmt.Sprintf("vault-%s-%s-%s", roleName, requester, ref[:8]), maxTokenName)
}

// staticTokenName labels a static role's token at the provider.
func staticTokenName(roleName, ref string) string {
	return truncate(fmt.Sprintf("vault-static-%s-%s", roleName, ref[:8]), maxTokenName)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
