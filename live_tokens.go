package gitsecrets

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/hashicorp/vault/sdk/logical"
)

// A connection is not deleted while tokens it issued are live (SPEC): their
// revocation needs it, for every provider. Some revoke with the
// connection's credential; those that revoke a token with the token itself
// still reach a self-hosted server behind a private CA only with the
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
	// rollingBack counts creds requests that failed after their WAL entry
	// was written and before their inventory entry (the provider's answer
	// was lost): the WAL rollback looks for their tokens through the
	// connection, at the base_url it has now (wal.go), and gives up when it
	// is gone or moved.
	rollingBack int
}

// any reports whether something still needs the connection as it is.
func (l liveTokens) any() bool { return l.count > 0 || l.rollingBack > 0 }

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
	if err != nil {
		return liveTokens{}, err
	}
	for r := range roles {
		live.roles = append(live.roles, r)
	}
	slices.Sort(live.roles)
	live.rollingBack, err = pendingRollbacksOf(ctx, s, config)
	return live, err
}

// pendingRollbacksOf counts the token WAL entries of config.
func pendingRollbacksOf(ctx context.Context, s logical.Storage, config string) (int, error) {
	return countWAL(ctx, s, walKindToken, 0, func(data any) bool {
		var w walToken
		return decodeWAL(data, &w) == nil && w.Config == config
	})
}

// maxRolesNamed bounds the revoke commands a refusal lists.
const maxRolesNamed = 10

// refusal is the 400's message: how many, and how to revoke them.
func (l liveTokens) refusal(config, mount string) string {
	var b strings.Builder
	if l.count == 0 {
		fmt.Fprintf(&b, "connection %q has %d failed creds %s whose token the provider may have made; the WAL rollback looks for %s through the connection within minutes, so try again after it",
			config, l.rollingBack, plural(l.rollingBack, "request", "requests"), plural(l.rollingBack, "it", "them"))
		return b.String()
	}
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
	if l.rollingBack > 0 {
		fmt.Fprintf(&b, ". Besides, %d failed creds %s still %s the WAL rollback, which looks for %s token through the connection within minutes",
			l.rollingBack, plural(l.rollingBack, "request", "requests"), plural(l.rollingBack, "waits for", "wait for"), plural(l.rollingBack, "its", "their"))
	}
	return b.String()
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
