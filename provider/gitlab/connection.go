package gitlab

import (
	"errors"
	"fmt"
	"net/url"
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
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("base_url is not a URL; %s", hint)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return "", fmt.Errorf("base_url must start with https:// (got scheme %q); %s", u.Scheme, hint)
	}
	if u.Host == "" {
		return "", fmt.Errorf("base_url has no host; %s", hint)
	}
	if u.User != nil {
		return "", errors.New("base_url must not contain a user name or password")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("base_url must not have a query or fragment; %s", hint)
	}
	return u.String(), nil
}
