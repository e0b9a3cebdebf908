package gitlab

import "github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"

// withToken is c holding token, as a config write leaves it.
func withToken(c provider.Connection, token string) *provider.Connection {
	c.Settings = provider.Encode(Settings{Token: token})
	return &c
}

// tokenOf is c's token ("" for nil).
func tokenOf(c *provider.Connection) string {
	if c == nil {
		return ""
	}
	return (Kind{}).Credential(c)
}

// validateScope is Kind.ValidateScope on a typed scope.
func validateScope(tokenType string, s *Scope) error {
	doc := provider.Encode(*s)
	if err := (Kind{}).ValidateScope(tokenType, &doc); err != nil {
		return err
	}
	*s = typedScope(doc)
	return nil
}

// typedScope reads a scope document.
func typedScope(d provider.Scope) Scope {
	s, _ := scopeOf(d)
	return s
}

// scopeIn is what an issued token got.
func scopeIn(t *provider.Token) Scope { return typedScope(t.Scope) }

// editScope changes a scope document through its type.
func editScope(d *provider.Scope, edit func(*Scope)) {
	s := typedScope(*d)
	edit(&s)
	*d = provider.Encode(s)
}
