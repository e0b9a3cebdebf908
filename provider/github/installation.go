package github

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	gogithub "github.com/google/go-github/v75/github"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

const (
	// installationTTL bounds how long a found installation id is trusted
	// without GitHub refusing it first (a 404 on create drops it at once).
	installationTTL = time.Hour
	// notInstalledTTL keeps a misconfigured role from calling GitHub on
	// every request, while an App installed a moment later is seen soon.
	notInstalledTTL = 30 * time.Second
)

// installation is a cached owner lookup; id 0 means "not installed".
type installation struct {
	id      int64
	expires time.Time
}

// installationID finds the App's installation on owner (an org or a user:
// GET /users/{owner}/installation answers for both), through the cache.
func (c *client) installationID(ctx context.Context, owner string) (int64, error) {
	key := strings.ToLower(owner)
	if inst, ok := c.cachedInstallation(key); ok {
		if inst.id == 0 {
			return 0, notInstalled(owner)
		}
		return inst.id, nil
	}
	var found gogithub.Installation
	err := c.asApp(ctx, "find the GitHub App's installation on "+owner, http.MethodGet,
		"users/"+url.PathEscape(key)+"/installation", nil, &found)
	switch {
	case statusOf(err) == http.StatusNotFound:
		c.storeInstallation(key, installation{expires: c.now().Add(notInstalledTTL)})
		return 0, notInstalled(owner)
	case err != nil:
		return 0, err
	case found.GetID() <= 0:
		return 0, fmt.Errorf("find the GitHub App's installation on %s: GitHub's answer has no installation id", owner)
	}
	c.storeInstallation(key, installation{id: found.GetID(), expires: c.now().Add(installationTTL)})
	return found.GetID(), nil
}

func notInstalled(owner string) error {
	return &provider.Error{
		Kind:    provider.ErrNotFound,
		Status:  http.StatusNotFound,
		Message: fmt.Sprintf("the GitHub App is not installed on %q (or cannot see it)", owner),
	}
}

func (c *client) cachedInstallation(key string) (installation, bool) {
	c.installMu.Lock()
	defer c.installMu.Unlock()
	inst, ok := c.installs[key]
	if !ok || !c.now().Before(inst.expires) {
		return installation{}, false
	}
	return inst, true
}

func (c *client) storeInstallation(key string, inst installation) {
	c.installMu.Lock()
	defer c.installMu.Unlock()
	// Drop expired entries as we go, so owners no role names any more do
	// not pile up.
	now := c.now()
	for k, v := range c.installs {
		if !now.Before(v.expires) {
			delete(c.installs, k)
		}
	}
	c.installs[key] = inst
}

// forgetInstallation drops owner's id after GitHub said it no longer exists
// (the App was reinstalled or removed).
func (c *client) forgetInstallation(owner string) {
	c.installMu.Lock()
	defer c.installMu.Unlock()
	delete(c.installs, strings.ToLower(owner))
}
