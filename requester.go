package gitsecrets

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// requesterAlias is one alias of the requesting entity as it was when a
// token was issued. For a CI job logged in through JWT auth, metadata holds
// the claims its role's claim_mappings kept (project, pipeline, job, ref),
// so the inventory answers "which job holds a token for this project".
type requesterAlias struct {
	MountType     string            `json:"mount_type"`
	MountAccessor string            `json:"mount_accessor"`
	Name          string            `json:"name"`
	Metadata      map[string]string `json:"metadata,omitempty"`
}

func aliasesOf(entity *logical.Entity) []requesterAlias {
	if entity == nil {
		return nil
	}
	out := make([]requesterAlias, 0, len(entity.Aliases))
	for _, a := range entity.Aliases {
		if a == nil {
			continue
		}
		out = append(out, requesterAlias{
			MountType:     a.MountType,
			MountAccessor: a.MountAccessor,
			Name:          a.Name,
			Metadata:      maps.Clone(a.Metadata),
		})
	}
	return out
}

func aliasesData(aliases []requesterAlias) []map[string]any {
	out := make([]map[string]any, 0, len(aliases))
	for _, a := range aliases {
		md := a.Metadata
		if md == nil {
			md = map[string]string{}
		}
		out = append(out, map[string]any{
			"mount_type":     a.MountType,
			"mount_accessor": a.MountAccessor,
			"name":           a.Name,
			"metadata":       md,
		})
	}
	return out
}

// describeAliases is the part of a provider-side token description that
// names the job behind it: each alias that carries metadata, as
// "; jwt acme/app: job_id=7 pipeline_id=3 project_path=acme/app". The
// caller cuts the whole description to the provider's limit.
func describeAliases(aliases []requesterAlias) string {
	var b strings.Builder
	for _, a := range aliases {
		if len(a.Metadata) == 0 {
			continue
		}
		fmt.Fprintf(&b, "; %s %s:", a.MountType, a.Name)
		for _, k := range slices.Sorted(maps.Keys(a.Metadata)) {
			fmt.Fprintf(&b, " %s=%s", k, a.Metadata[k])
		}
	}
	return b.String()
}

// requesterScope is what a creds request learns about its requester: the
// role's ceiling filled from the requester's identity, and the aliases the
// inventory keeps.
type requesterScope struct {
	ceiling provider.Scope
	aliases []requesterAlias
}

// requesterOf reads the requester's entity once per creds request. A role
// template the entity cannot fill is a 403, before any provider call.
func (b *backend) requesterOf(req *logical.Request, kind provider.Kind, r *role) (requesterScope, error) {
	entity, err := b.requesterEntity(req)
	if err != nil {
		return requesterScope{}, err
	}
	ceiling, err := b.fillScope(kind, r, entity)
	var te *errTemplate
	if errors.As(err, &te) {
		return requesterScope{}, templateRefusal(te)
	}
	if err != nil {
		return requesterScope{}, err
	}
	return requesterScope{ceiling: ceiling, aliases: aliasesOf(entity)}, nil
}
