package gitea

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/internal/apiclient"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// Settings are a Gitea connection's own keys in its config/ entry
// (provider.Connection.Settings): the bot account the engine acts as. The
// JSON keys are the stored format. Password is write-only: no read of the
// connection shows it, and no error or log line carries it.
type Settings struct {
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	// PreviousPassword is kept only after a rotation whose outcome the
	// server never told (password_fallback.go); a confirmed rotation or a
	// written password drops it.
	PreviousPassword string `json:"previous_password,omitempty"`
}

// settingsOf reads c's Gitea settings.
func settingsOf(c *provider.Connection) (Settings, error) {
	var s Settings
	if err := c.Settings.Decode(&s); err != nil {
		return Settings{}, fmt.Errorf("the stored gitea settings are not readable: %w", err)
	}
	return s, nil
}

// Connection is a Gitea connection as the client reads it: the server and
// the bot account.
type Connection struct {
	Name         string `json:"name,omitempty"`
	BaseURL      string `json:"base_url"`
	CACert       string `json:"ca_cert,omitempty"`
	RegistryHost string `json:"registry_host,omitempty"`
	Username     string `json:"username"`
	Password     string `json:"password"`
	// PreviousPassword: see Settings.
	PreviousPassword string `json:"previous_password,omitempty"`
}

var errConnectionRequired = errors.New("connection is required")

// connectionOf is the Gitea connection c describes.
func connectionOf(c *provider.Connection) (Connection, error) {
	if c == nil {
		return Connection{}, errConnectionRequired
	}
	s, err := settingsOf(c)
	if err != nil {
		return Connection{}, err
	}
	return Connection{
		Name: c.Name, BaseURL: c.BaseURL, CACert: c.CACert, RegistryHost: c.RegistryHost,
		Username: s.Username, Password: s.Password, PreviousPassword: s.PreviousPassword,
	}, nil
}

// ValidateConnection implements provider.Kind.
func (Kind) ValidateConnection(c *provider.Connection) error {
	g, err := connectionOf(c)
	if err != nil {
		return err
	}
	return g.Validate()
}

// Validate checks a connection's fields locally; whether the server takes
// the password is Verify's job.
func (c Connection) Validate() error {
	if strings.TrimSpace(c.BaseURL) == "" {
		return errors.New("base_url is required: the Gitea or Forgejo server root, such as https://git.example.com")
	}
	if _, err := serverURL(c.BaseURL); err != nil {
		return err
	}
	if err := checkUsername(c.Username); err != nil {
		return err
	}
	if c.Password == "" {
		return errors.New("password is required: the bot account's password (token management on Gitea and Forgejo takes basic auth only)")
	}
	if utf8.RuneCountInString(c.Password) > maxPassword {
		return fmt.Errorf("password is longer than Gitea's %d characters", maxPassword)
	}
	if c.CACert != "" {
		if _, err := apiclient.CertPool(c.CACert); err != nil {
			return err
		}
	}
	if strings.Contains(c.RegistryHost, "/") || strings.ContainsAny(c.RegistryHost, " \t\r\n") {
		return errors.New("registry_host must be a host name with an optional port, such as git.example.com")
	}
	return nil
}

// maxPassword is Gitea's limit on a password, in characters
// (EditUserOption binding MaxSize(255), which counts runes).
const maxPassword = 255

// checkUsername allows Gitea's user names: letters, digits, '-', '_' and
// '.', at most 40 (CreateUserOption's AlphaDashDot;MaxSize(40)).
func checkUsername(name string) error {
	if name == "" {
		return errors.New("username is required: the bot account the engine acts as")
	}
	if len(name) > 40 {
		return errors.New("username is longer than Gitea's 40 characters")
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.') {
			return fmt.Errorf("username %q has a character Gitea does not allow in user names", name)
		}
	}
	return nil
}

// serverURL checks base_url: the server root; the SDK appends /api/v1, so
// a root given with /api/v1 is cut back to the root.
func serverURL(raw string) (string, error) {
	const hint = "use the server root, such as https://git.example.com"
	u, err := apiclient.BaseURL(raw, hint)
	if err != nil {
		return "", err
	}
	u.Path = strings.TrimSuffix(strings.TrimRight(u.Path, "/"), "/api/v1")
	return strings.TrimRight(u.String(), "/"), nil
}
