package gitsecrets

import (
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// registryHost is the container registry a token of this connection pairs
// with, or "" for none: registry_host when the operator set it; else the
// public registry when base_url is the public API (provider.PublicRegistryHost);
// else named, the registry the provider named for the token. A token from
// a self-hosted server never pairs with a public registry: it is not valid
// there, and a registry login would hand it to a third party.
func (c *connection) registryHost(kind provider.Kind, named string) string {
	if c.RegistryHost != "" {
		return c.RegistryHost
	}
	if host := provider.PublicRegistryHost(kind, c.BaseURL); host != "" {
		return host
	}
	return named
}

// legacyRegistryDefault reports a registry host that config writes used to
// fill in whatever base_url was: a provider's public registry. A stored
// value without RegistryHostSet that is one of them is such a default, not
// the operator's choice, so it is dropped when read: on the public API the
// same default applies anyway, and anywhere else it was the wrong registry.
func (b *backend) legacyRegistryDefault(host string) bool {
	for _, k := range b.kinds {
		if k.DefaultRegistryHost() == host {
			return true
		}
	}
	return false
}

// migrateRegistryHost marks what registry_host holds in an entry stored
// before RegistryHostSet existed.
func (c *connection) migrateRegistryHost(legacyDefault func(host string) bool) {
	if c.RegistryHostSet || c.RegistryHost == "" {
		return
	}
	if legacyDefault(c.RegistryHost) {
		c.RegistryHost = ""
		return
	}
	c.RegistryHostSet = true
}

// registryWarning says, on a config write, when tokens of the connection
// get no registry output because nothing names a registry for them.
func registryWarning(c *connection, kind provider.Kind) string {
	if c.registryHost(kind, "") != "" {
		return ""
	}
	return kind.RegistryWarning(&c.Connection)
}
