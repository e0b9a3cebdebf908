package main

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/vault/sdk/framework"
	"github.com/hashicorp/vault/sdk/logical"
)

// leaseTTL is long enough that no lease ends while loadgen measures;
// loadgen revokes them itself.
const leaseTTL = time.Hour

const (
	secretType  = "floor"
	entryPrefix = "entries/"
	walKind     = "floor"
)

func factory(ctx context.Context, conf *logical.BackendConfig) (logical.Backend, error) {
	b := &framework.Backend{
		BackendType: logical.TypeLogical,
		Help:        "Hands out leases with no provider behind them, to measure Vault's plugin protocol.",
		PathsSpecial: &logical.Paths{
			LocalStorage: []string{framework.WALPrefix},
		},
		Secrets: []*framework.Secret{{
			Type:   secretType,
			Revoke: revoke,
		}},
		// Entries of requests that failed half-way are not worth undoing
		// in a benchmark, but a WAL kind Vault cannot roll back would log
		// errors forever.
		WALRollback: func(context.Context, *logical.Request, string, any) error { return nil },
	}
	b.Paths = []*framework.Path{
		readPath("lease", func(ctx context.Context, req *logical.Request) (*logical.Response, error) {
			return lease(b, map[string]any{"value": uuid.NewString()}, nil), nil
		}),
		readPath("lease-wal", func(ctx context.Context, req *logical.Request) (*logical.Response, error) {
			return leaseWithWAL(ctx, b, req.Storage)
		}),
	}
	if err := b.Setup(ctx, conf); err != nil {
		return nil, err
	}
	return b, nil
}

func readPath(pattern string, fn func(context.Context, *logical.Request) (*logical.Response, error)) *framework.Path {
	return &framework.Path{
		Pattern: pattern,
		Operations: map[logical.Operation]framework.OperationHandler{
			logical.ReadOperation: &framework.PathOperation{
				Callback: func(ctx context.Context, req *logical.Request, _ *framework.FieldData) (*logical.Response, error) {
					return fn(ctx, req)
				},
			},
		},
	}
}

func lease(b *framework.Backend, data, internal map[string]any) *logical.Response {
	resp := b.Secret(secretType).Response(data, internal)
	resp.Secret.TTL = leaseTTL
	resp.Secret.MaxTTL = leaseTTL
	return resp
}

// leaseWithWAL makes the engine's three storage writes around a creation,
// with nothing created.
func leaseWithWAL(ctx context.Context, b *framework.Backend, s logical.Storage) (*logical.Response, error) {
	id := uuid.NewString()
	walID, err := framework.PutWAL(ctx, s, walKind, map[string]any{"id": id})
	if err != nil {
		return nil, fmt.Errorf("write WAL entry: %w", err)
	}
	entry, err := logical.StorageEntryJSON(entryPrefix+id, map[string]any{"id": id, "issued_at": time.Now()})
	if err != nil {
		return nil, err
	}
	if err := s.Put(ctx, entry); err != nil {
		return nil, fmt.Errorf("write entry: %w", err)
	}
	if err := framework.DeleteWAL(ctx, s, walID); err != nil {
		return nil, fmt.Errorf("delete WAL entry: %w", err)
	}
	return lease(b, map[string]any{"value": id}, map[string]any{"id": id}), nil
}

func revoke(ctx context.Context, req *logical.Request, _ *framework.FieldData) (*logical.Response, error) {
	if id, ok := req.Secret.InternalData["id"].(string); ok {
		if err := req.Storage.Delete(ctx, entryPrefix+id); err != nil {
			return nil, err
		}
	}
	return nil, nil
}
