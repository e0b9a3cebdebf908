package github

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/internal/apiclient"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// clientIDPattern matches GitHub App client IDs ("Iv1.0123abcd",
// "Iv23liAbCd...").
var clientIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]{1,100}$`)

// Settings are a GitHub connection's own keys in its config/ entry
// (provider.Connection.Settings). The JSON keys are the stored format.
type Settings struct {
	AppID       int64    `json:"app_id,omitempty"`
	ClientID    string   `json:"client_id,omitempty"`
	PrivateKeys []string `json:"private_keys,omitempty"` // PEM; the first signs, the rest are staged for rotation
}

// settingsOf reads c's GitHub settings.
func settingsOf(c *provider.Connection) (Settings, error) {
	var s Settings
	if err := c.Settings.Decode(&s); err != nil {
		return Settings{}, fmt.Errorf("the stored github settings are not readable: %w", err)
	}
	return s, nil
}

// withSettings is c holding s.
func withSettings(c provider.Connection, s Settings) *provider.Connection {
	c.Settings = provider.Encode(s)
	return &c
}

// ValidateConnection implements provider.Kind. It checks the fields locally;
// whether GitHub accepts the key is Client.Verify's job.
func (Kind) ValidateConnection(pc *provider.Connection) error {
	c, err := settingsOf(pc)
	if err != nil {
		return err
	}
	if c.AppID <= 0 {
		return errors.New("app_id is required: the numeric ID on the GitHub App's settings page")
	}
	if c.ClientID != "" && !clientIDPattern.MatchString(c.ClientID) {
		return errors.New("client_id must be the GitHub App's client ID, such as Iv1.0123456789abcdef (letters, digits, '.', '_', '-')")
	}
	if len(c.PrivateKeys) == 0 {
		return errors.New("private_key is required: a PEM RSA key generated on the GitHub App's settings page")
	}
	if _, err := parsePrivateKeys(c.PrivateKeys); err != nil {
		return err
	}
	if pc.BaseURL != "" {
		if _, err := apiRoot(pc.BaseURL); err != nil {
			return err
		}
	}
	if pc.CACert != "" {
		if _, err := apiclient.CertPool(pc.CACert); err != nil {
			return err
		}
	}
	return nil
}

// apiRoot parses base_url into the form go-github resolves paths against:
// with exactly one trailing slash. Without it, resolving "app" against
// https://HOST/api/v3 would give https://HOST/api/app and drop the v3.
func apiRoot(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, errors.New("base_url is not a URL; use https://api.github.com or, for GitHub Enterprise Server, https://HOST/api/v3")
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, fmt.Errorf("base_url must start with https:// (got scheme %q); use https://api.github.com or https://HOST/api/v3", u.Scheme)
	}
	if u.Host == "" {
		return nil, errors.New("base_url has no host; use https://api.github.com or https://HOST/api/v3")
	}
	if u.User != nil {
		return nil, errors.New("base_url must not contain a user name or password")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, errors.New("base_url must not have a query or fragment; use https://api.github.com or https://HOST/api/v3")
	}
	u.Path = strings.TrimRight(u.Path, "/") + "/"
	u.RawPath = ""
	return u, nil
}
