package gitlab

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/internal/apiclient"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// Settings are a GitLab connection's own keys in its config/ entry
// (provider.Connection.Settings). The JSON keys are the stored format.
type Settings struct {
	Token string `json:"token,omitempty"`
	// TokenLifetime is the lifetime each token the engine rotates its
	// token to gets; zero means GitLab's longest.
	TokenLifetime time.Duration `json:"token_lifetime,omitempty"`
}

// settingsOf reads c's GitLab settings.
func settingsOf(c *provider.Connection) (Settings, error) {
	var s Settings
	if err := c.Settings.Decode(&s); err != nil {
		return Settings{}, fmt.Errorf("the stored gitlab settings are not readable: %w", err)
	}
	return s, nil
}

// ValidateConnection implements provider.Kind. It checks the fields locally;
// whether GitLab accepts the token is Client.Verify's job.
func (Kind) ValidateConnection(c *provider.Connection) error {
	if c == nil {
		return errors.New("connection is required")
	}
	s, err := settingsOf(c)
	if err != nil {
		return err
	}
	if strings.TrimSpace(s.Token) == "" {
		return errors.New("token is required: a GitLab personal access token with the api scope, for the user (or service account) the engine acts as")
	}
	if strings.ContainsAny(s.Token, " \t\r\n") {
		return errors.New("token must not contain spaces or line breaks")
	}
	if c.BaseURL != "" {
		if _, err := instanceURL(c.BaseURL); err != nil {
			return err
		}
	}
	if c.CACert != "" {
		if _, err := apiclient.CertPool(c.CACert); err != nil {
			return err
		}
	}
	if strings.Contains(c.RegistryHost, "/") || strings.ContainsAny(c.RegistryHost, " \t\r\n") {
		return errors.New("registry_host must be a host name with an optional port, such as registry.gitlab.com or gitlab.example.com:5050")
	}
	return nil
}

// instanceURL checks base_url: the instance root (https://gitlab.example.com)
// or its API root (…/api/v4); client-go appends /api/v4 when it is missing.
func instanceURL(raw string) (string, error) {
	const hint = "use the instance address, such as https://gitlab.com or https://gitlab.example.com"
	u, err := apiclient.BaseURL(raw, hint)
	if err != nil {
		return "", err
	}
	return u.String(), nil
}
