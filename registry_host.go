package gitsecrets

import (
	"fmt"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// registryHost is the container registry a token of this connection pairs
// with, or "" for none: registry_host when the operator set it; else the
// public registry when base_url is the public API (ghcr.io for
// api.github.com, registry.gitlab.com for gitlab.com); else named, the
// registry the provider named for the token (a self-managed GitLab
// project's container_registry_image_prefix). A token from GitHub
// Enterprise Server or a self-managed GitLab never pairs with a public
// registry: it is not valid there, and a registry login would hand it to a
// third party.
func (c *connection) registryHost(kind provider.Kind, named string) string {
	if c.RegistryHost != "" {
		return c.RegistryHost
	}
	if host := provider.PublicRegistryHost(kind, c.BaseURL); host != "" {
		return host
	}
	return named
}

// legacyRegistryDefaults are the registry hosts config writes used to fill
// in whatever base_url was. A stored value without RegistryHostSet that is
// one of them is such a default, not the operator's choice, so it is
// dropped when read: on the public API the same default applies anyway,
// and anywhere else it was the wrong registry.
var legacyRegistryDefaults = map[string]bool{"ghcr.io": true, "registry.gitlab.com": true}

// migrateRegistryHost marks what registry_host holds in an entry stored
// before RegistryHostSet existed.
func (c *connection) migrateRegistryHost() {
	if c.RegistryHostSet || c.RegistryHost == "" {
		return
	}
	if legacyRegistryDefaults[c.RegistryHost] {
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
	switch c.Provider {
	case "gitlab":
		return fmt.Sprintf("registry_host is not set and base_url is not %s: creds for project and deploy tokens on a project "+
			"use the registry GitLab names in the project's container_registry_image_prefix; other tokens, and every token when "+
			"GitLab names none, get no registry or docker_config_json until registry_host is set", kind.DefaultBaseURL())
	default:
		return fmt.Sprintf("registry_host is not set and base_url is not %s: creds get no registry or docker_config_json "+
			"until registry_host names this server's container registry", kind.DefaultBaseURL())
	}
}
