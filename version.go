package gitsecrets

// Version is the plugin's semantic version, reported to Vault as the running
// version. Release builds set it with
// -ldflags "-X github.com/vault-plugin-secrets-git/vault-plugin-secrets-git.Version=v1.2.3".
var Version = "v0.1.0-dev"
