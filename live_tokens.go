package gitsecrets

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/vault/sdk/logical"
)

// A connection is not deleted while tokens it issued are live (SPEC): their
// revocation needs it, for every provider. GitLab revokes with the
// connection's credential; GitHub revokes with the token itself, but a
// GitHub Enterprise Server behind a private CA is reachable only with the
// connection's ca_cert. Keeping the connection is simpler than copying what
// each provider needs into every lease.

// liveTokens are the inventory's tokens of one connection.
type liveTokens struct {
	count int
	// roles are the roles whose leases hold the rest, sorted: each names a
	// lease prefix, creds/<role>/. A deleted role's leases still live there.
	roles []string
	// queued counts tokens whose lease has ended with the revocation left to
	// the engine's queue (revocation_queue.go); no lease command reaches them.
	queued int
}

// liveTokensOf reads the inventory once (it can hold many thousands of
// tokens; each entry is decoded only to its summary) and lists the
// revocation queue once.
func liveTokensOf(ctx context.Context, s logical.Storage, config string) (liveTokens, error) {
	refs, err := s.List(ctx, revocationStoragePrefix)
	if err != nil {
		return liveTokens{}, fmt.Errorf("list queued revocations: %w", err)
	}
	queued := make(map[string]bool, len(refs))
	for _, ref := range refs {
		queued[ref] = true
	}
	var live liveTokens
	roles := map[string]bool{}
	err = eachToken(ctx, s, func(e *tokenSummary) {
		if e.Config != config {
			return
		}
		live.count++
		if queued[e.Ref] {
			live.queued++
		} else {
			roles[e.Role] = true
		}
	})
	for r := range roles {
		live.roles = append(live.roles, r)
	}
	slices.Sort(live.roles)
	return live, err
}

// maxRolesNamed bounds the revoke commands a refusal lists.
const maxRolesNamed = 10

// refusal is the 400's message: how many, and how to revoke them.
func (l liveTokens) refusal(config, mount string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "connection %q has %d live %s; revoking needs the connection, so revoke %s first",
		config, l.count, plural(l.count, "token", "tokens"), plural(l.count, "it", "them"))
	if len(l.roles) > 0 {
		b.WriteString(":")
		for i, r := range l.roles {
			if i == maxRolesNamed {
				fmt.Fprintf(&b, " (and %d more roles: list them with tokens/?config=%s)", len(l.roles)-i, config)
				break
			}
			if i > 0 {
				b.WriteString(";")
			}
			fmt.Fprintf(&b, " vault lease revoke -prefix %screds/%s/", mount, r)
		}
	}
	if l.queued > 0 {
		fmt.Fprintf(&b, ". %d of them %s in the engine's revocation queue after the provider rate-limited revoking them: no lease is left to revoke; the engine revokes them at the provider's pace", l.queued, plural(l.queued, "waits", "wait"))
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
