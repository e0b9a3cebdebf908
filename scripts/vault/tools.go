//go:build tools

// Package tools pins the Vault server the end-to-end tests and `make dev` run.
// It lives in a module of its own so that Vault's dependency tree never enters
// the plugin's go.mod.
package tools

import _ "github.com/hashicorp/vault"
