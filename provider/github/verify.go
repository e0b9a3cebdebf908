package github

import (
	"context"
	"fmt"
	"net/http"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// Verify implements provider.Client: GET /app signed with the first key
// proves GitHub accepts it, and names the App it belongs to.
func (c *client) Verify(ctx context.Context) (provider.CredentialInfo, error) {
	var app struct {
		ID       int64  `json:"id"`
		Slug     string `json:"slug"`
		Name     string `json:"name"`
		ClientID string `json:"client_id"`
	}
	if err := c.asApp(ctx, "authenticate as the GitHub App", http.MethodGet, "app", nil, &app); err != nil {
		return nil, err
	}
	if c.appID != 0 && app.ID != c.appID {
		return nil, &provider.Error{
			Kind:    provider.ErrInvalidRequest,
			Message: fmt.Sprintf("the private key and client_id belong to GitHub App %d (%s), not app_id %d", app.ID, app.Slug, c.appID),
		}
	}
	fingerprints := make([]string, 0, len(c.keys))
	for _, k := range c.keys {
		fingerprints = append(fingerprints, fingerprint(k))
	}
	return provider.CredentialInfo{
		"app_id":           app.ID,
		"app_slug":         app.Slug,
		"app_name":         app.Name,
		"client_id":        app.ClientID,
		"key_fingerprints": fingerprints,
	}, nil
}
