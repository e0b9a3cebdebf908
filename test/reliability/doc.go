// Package reliability proves, against real `vault server` processes and the
// fake providers, that the secrets engine loses nothing and leaks nothing
// when GitHub, GitLab, Vault or the network misbehave:
//
//   - faults_test.go: every fault the fakes can inject, on every operation
//     that reaches a provider, with what the caller got, what was left at
//     the provider, and whether the engine still works afterwards; the
//     table it prints is kept in docs/reliability.md;
//   - ha_test.go: a three-node raft cluster losing its active node with
//     leases and a static-role schedule outstanding;
//   - hostile_test.go and concurrency_test.go: malformed requests and a
//     thousand concurrent creds requests through the real server;
//   - hygiene_test.go: no token, key or JWT in Vault's log, its audit log
//     or any response that is not meant to carry it.
//
// Like test/e2e they need the pinned Vault binary (see test/vaultserver).
package reliability
