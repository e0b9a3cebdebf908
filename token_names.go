package gitsecrets

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// maxTokenName bounds the name a token is given at the provider: providers
// take 255 characters, and some put the description into the name too (see
// the providers' labels).
const maxTokenName = 200

// providerTokenName labels the token at the provider with the role, the
// requester and the token's inventory id, its ref (token_ref).
//
// The ref is what makes the name unique, and uniqueness is what makes the
// WAL rollback of a creation whose answer was lost safe: it revokes every
// live token with the name. So the whole ref is kept, never cut, and the
// role and requester give way when the name is too long. (Names made before
// kept only ref[:8], 32 bits, and could lose even that to the cut; a WAL
// entry stores the name it used, so those still roll back.)
func providerTokenName(roleName, requester, ref string) string {
	return nameWithRef(fmt.Sprintf("vault-%s-%s-", roleName, requester), ref)
}

// staticTokenName labels a static role's token at the provider.
func staticTokenName(roleName, ref string) string {
	return nameWithRef(fmt.Sprintf("vault-static-%s-", roleName), ref)
}

// nameWithRef is label cut to leave room for ref, then ref.
func nameWithRef(label, ref string) string {
	return truncate(label, maxTokenName-len(ref)) + ref
}

// truncate cuts s to at most n bytes without splitting a character. Bytes
// that are not UTF-8 (a display name can hold anything an auth method put
// there) are replaced first, so the provider always gets valid text.
func truncate(s string, n int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:max(n, 0)]
}
