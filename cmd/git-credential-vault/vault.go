package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/hashicorp/vault/api/cliconfig"
)

// newVaultClient is a client configured as the vault CLI configures itself:
// VAULT_ADDR, VAULT_CACERT, VAULT_NAMESPACE and the rest from the
// environment, the token from VAULT_TOKEN or else the CLI's token helper
// (~/.vault-token, or the token_helper named in ~/.vault).
func newVaultClient() (*api.Client, error) {
	cfg := api.DefaultConfig()
	if cfg.Error != nil {
		return nil, fmt.Errorf("vault client configuration: %w", cfg.Error)
	}
	client, err := api.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("vault client: %w", err)
	}
	if client.Token() == "" {
		helper, err := cliconfig.DefaultTokenHelper()
		if err != nil {
			return nil, fmt.Errorf("vault token helper: %w", err)
		}
		token, err := helper.Get()
		if err != nil {
			return nil, fmt.Errorf("vault token helper: %w", err)
		}
		if token == "" {
			return nil, errors.New("no Vault token: set VAULT_TOKEN or run `vault login`")
		}
		client.SetToken(token)
	}
	return client, nil
}

// readCreds reads <mount>/creds/<role> and returns it as a cache entry.
// Its errors name the path and quote Vault's error, which never holds the
// token it would have returned.
func readCreds(ctx context.Context, client *api.Client, t target, now time.Time) (entry, error) {
	path := t.Mount + "/creds/" + t.Role
	secret, err := client.Logical().ReadWithContext(ctx, path)
	if err != nil {
		return entry{}, fmt.Errorf("read %s: %s", path, vaultError(err))
	}
	if secret == nil || secret.Data == nil {
		return entry{}, fmt.Errorf("read %s: no such role (404)", path)
	}
	e := entry{Addr: client.Address(), Mount: t.Mount, Role: t.Role, LeaseID: secret.LeaseID, IssuedAt: now}
	e.Username, _ = secret.Data["username"].(string)
	e.Password, _ = secret.Data["token"].(string)
	if e.Password == "" {
		return entry{}, fmt.Errorf("read %s: the response has no token; is %s this plugin's mount?", path, t.Mount)
	}
	// expires_at is the lease end the engine computed; the lease duration is
	// the fallback should a response lack it.
	if s, _ := secret.Data["expires_at"].(string); s != "" {
		e.ExpiresAt, _ = time.Parse(time.RFC3339, s)
	}
	if e.ExpiresAt.IsZero() {
		e.ExpiresAt = now.Add(time.Duration(secret.LeaseDuration) * time.Second)
	}
	return e, nil
}

// revokeLease revokes leaseID (sys/leases/revoke), which revokes the token
// at the provider. A lease Vault no longer knows is already gone.
func revokeLease(ctx context.Context, client *api.Client, leaseID string) error {
	err := client.Sys().RevokeWithContext(ctx, leaseID)
	if err != nil {
		return fmt.Errorf("revoke lease %s: %s", leaseID, vaultError(err))
	}
	return nil
}

// vaultError is Vault's answer in one line: status and its errors.
func vaultError(err error) string {
	var resp *api.ResponseError
	if errors.As(err, &resp) {
		// Vault's errors are often multi-line lists ("1 error occurred:\n\t*
		// permission denied"); Git shows the helper's stderr as is.
		msg := strings.Join(strings.Fields(strings.Join(resp.Errors, "; ")), " ")
		if msg == "" {
			msg = http.StatusText(resp.StatusCode)
		}
		return fmt.Sprintf("Vault answered %d: %s", resp.StatusCode, msg)
	}
	return err.Error()
}
