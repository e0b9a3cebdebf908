package e2e

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"strings"
	"testing"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegithub"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
)

// testGHESPrivateCA runs a GitHub Enterprise Server served over TLS by a
// private CA: the plugin trusts it only through the connection's ca_cert,
// issues from it, revokes the lease at it, and refuses to delete the
// connection, the only holder of that CA, while the lease lives.
func testGHESPrivateCA(t *testing.T, e *engine) {
	ca := fakeserver.NewPrivateCA(t)
	ghes := fakegithub.Start(t, fakegithub.Options{ServerCert: &ca.ServerCert})
	key := fakegithub.GenerateKey(t)
	ghes.AddApp(fakegithub.App{ID: githubAppID, ClientID: "Iv1.e2eghes", Slug: "vault-git", Name: "Vault Git"}, &key.PublicKey)
	ghes.AddInstallation(fakegithub.Installation{
		AppID: githubAppID, Account: githubOwner, AccountType: "Organization",
		AllRepos: githubRepos(), Permissions: githubGrant(),
	})
	config := map[string]any{
		"provider":    "github",
		"app_id":      githubAppID,
		"private_key": string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})),
		"base_url":    ghes.GHESURL(),
	}
	if !strings.HasPrefix(ghes.GHESURL(), "https://127.0.0.1:") {
		t.Fatalf("the fake GHES is not served over TLS: %s", ghes.GHESURL())
	}
	path := e.path + "/config/ghes"
	if _, err := e.v.api().Logical().Write(path, config); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("config without ca_cert: %v, want a refusal naming the certificate", err)
	}
	config["ca_cert"] = ca.CertPEM
	if _, err := e.v.api().Logical().Write(path, config); err != nil {
		t.Fatalf("write %s with ca_cert: %v\n%s", path, err, e.v.logTail())
	}

	e.writeRole(t, "ghes", "config=ghes", "owner="+githubOwner, "repositories=app", "permissions=contents=read")
	c := e.readCreds(t, "ghes")
	if _, ok := ghes.Lookup(c.token()); !ok {
		t.Fatalf("%v is not live at the GHES", c)
	}

	_, err := e.v.api().Logical().Delete(path)
	prefix := e.path + "/creds/ghes/"
	if err == nil || !strings.Contains(err.Error(), "1 live token") || !strings.Contains(err.Error(), "vault lease revoke -prefix "+prefix) {
		t.Fatalf("delete %s with a live lease: %v, want a 400 naming the token and the revoke command", path, err)
	}

	// The command the refusal names.
	e.v.vault(t, "lease", "revoke", "-prefix", prefix)
	e.v.eventually(t, revokeTimeout, "lease revoke at the GHES", func() error {
		if _, ok := ghes.Lookup(c.token()); ok {
			return fmt.Errorf("%v still live at the GHES", c)
		}
		return nil
	})
	e.waitInventory(t, "after revoking the GHES lease")
	if _, err := e.v.api().Logical().Delete(path); err != nil {
		t.Fatalf("delete %s once its lease is revoked: %v", path, err)
	}
}
