// Package e2e proves the secrets engine inside real `vault server` processes:
// the real `vault` CLI, Vault Agent and the Vault API client drive it, and
// every check that a token was issued or revoked is made at the fake GitHub
// or GitLab that issued it. The tests live in _test.go files; env_test.go
// holds the environment they share (servers, mounts, fakes, waits).
//
// They need the pinned Vault binary (see test/vaultserver): without it they
// skip, or fail under E2E_REQUIRED=1 as `make e2e` sets it.
package e2e
