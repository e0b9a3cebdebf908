package reliability

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/vault/api"
)

// TestSecretsHygiene drives every operation that handles a secret (config
// writes with a private key, staged keys and a GitLab token, issue, the
// inventory, revoke, rotate-root on both providers, a static role and its
// rotation, and a provider error that echoes the credential), then looks
// for every token, key and JWT that crossed the wire in Vault's log
// (plugin logs included), in a file audit device's log and in every API
// answer other than creds/ and static-creds/. It finds none; the audit log
// holds the tokens only as HMACs, and hashed_token in clear where the mount
// is tuned to show it.
func TestSecretsHygiene(t *testing.T) {
	t.Parallel()
	v := startVault(t)
	auditLog := filepath.Join(t.TempDir(), "audit.log")
	if err := v.api().Sys().EnableAuditWithOptions("file", &api.EnableAuditOptions{
		Type: "file", Options: map[string]string{"file_path": auditLog},
	}); err != nil {
		t.Fatal(err)
	}
	w := newWire()
	keys := newAppKeys(t)
	e := newEngineBehind(t, v, "git", keys, w.wrap)
	h := &answers{e: e}
	// As docs/inventory.md advises: hashed_token and token_ref in clear in
	// the audit log, so a provider's audit entry can be traced back.
	clearKeys := []string{"hashed_token", "token_ref"}
	if err := e.c.Sys().TuneMountAllowNil(e.path, api.TuneMountConfigInput{AuditNonHMACResponseKeys: &clearKeys}); err != nil {
		t.Fatal(err)
	}

	// Issue, then look at what the engine says about the tokens.
	var issued []map[string]any
	for _, role := range []string{"gh", "gl", "gh", "gl"} {
		issued = append(issued, h.secretBearing(t, "GET", "creds/"+role, nil))
	}
	h.keep(t, "LIST", "tokens/", nil)
	for _, c := range issued {
		h.keep(t, "GET", "tokens/"+c["token_ref"].(string), nil)
	}
	for _, path := range []string{"config/gh", "config/gl", "roles/gh", "roles/gl"} {
		h.keep(t, "GET", path, nil)
	}
	h.keep(t, "LIST", "config/", nil)

	// A static role, its token and its rotation.
	h.keep(t, "PUT", "static-roles/deploy", map[string]any{"config": "gl", "token_type": "deploy", "path": gitlabProject,
		"scopes": "read_registry,read_repository", "rotation_period": "24h", "grace_period": "1h"})
	h.secretBearing(t, "GET", "static-creds/deploy", nil)
	h.keep(t, "PUT", "rotate-role/deploy", nil)
	h.secretBearing(t, "GET", "static-creds/deploy", nil)
	h.keep(t, "GET", "static-roles/deploy", nil)

	// The connections' own credentials rotate.
	h.keep(t, "PUT", "rotate-root/gh", nil)
	h.keep(t, "PUT", "rotate-root/gl", nil)
	h.keep(t, "GET", "config/gh", nil)
	h.keep(t, "GET", "config/gl", nil)
	issued = append(issued, h.secretBearing(t, "GET", "creds/gh", nil), h.secretBearing(t, "GET", "creds/gl", nil))

	// Providers that echo the credential in an error: the caller gets the
	// provider's message with the credential taken out.
	w.echoNext("POST", "/access_tokens", http.StatusUnauthorized)
	h.keepEchoed(t, "GET", "creds/gh", nil)
	w.echoNext("POST", "/access_tokens", http.StatusUnauthorized)
	h.keepEchoed(t, "GET", "creds/gl", nil)
	// And the config write a refused credential gets.
	w.echoNext("GET", "/personal_access_tokens/self", http.StatusUnauthorized)
	const refused = "glpat-refused-0123456789"
	h.keepEchoed(t, "PUT", "config/gl-bad", map[string]any{"provider": "gitlab", "token": refused, "base_url": e.glURL})

	// Revoke everything; the static role's tokens go with it.
	if err := e.c.Sys().RevokePrefix(e.path + "/creds/"); err != nil {
		t.Fatal(err)
	}
	h.keep(t, "DELETE", "static-roles/deploy", nil)
	for _, c := range issued {
		if e.live(&creds{Token: c["token"].(string), Config: c["config"].(string)}) {
			t.Errorf("token_ref %v is still live after its lease was revoked", c["token_ref"])
		}
	}

	secrets := w.all()
	secrets[e.gitlabToken] = "GitLab token written to config"
	secrets[refused] = "GitLab token written to config"
	for _, k := range []string{pemOf(keys.signing), pemOf(keys.staged), pkcs8Of(t, keys.signing)} {
		for _, line := range keyLines(k) {
			secrets[line] = "private key (a line of its PEM)"
		}
	}
	places := map[string]string{"Vault log": readFile(t, v.srv.LogFile()), "audit log": readFile(t, auditLog)}
	for i, a := range h.kept {
		places[fmt.Sprintf("answer %d (%s %s)", i, a.method, a.path)] = a.body
	}
	hits := 0
	for secret, what := range secrets {
		for where, text := range places {
			if n := strings.Count(text, secret); n > 0 {
				hits += n
				t.Errorf("%s: %d × a %s", where, n, what)
			}
		}
	}
	// Each creds answer carries its own token and no other secret.
	for _, a := range h.bearing {
		for secret, what := range secrets {
			if strings.Contains(a.body, secret) && !strings.Contains(a.body, `"token":"`+secret+`"`) {
				t.Errorf("%s %s carries a %s that is not its own token", a.method, a.path, what)
			}
		}
	}
	checkAudit(t, e, places["audit log"], issued)
	checkHashedTokens(t, places, issued)

	kinds := map[string]int{}
	for _, what := range secrets {
		kinds[what]++
	}
	summary := fmt.Sprintf("secrets looked for: %s; places: Vault log, audit log, %d answers other than creds/static-creds; hits: %d",
		describeCounts(kinds), len(h.kept), hits)
	t.Log(summary)
	writeReport(t, "hygiene.md", summary+"\n")
}

// checkAudit: the audit device saw every issued token, as its HMAC and
// never in the clear.
func checkAudit(t *testing.T, e *engine, audit string, issued []map[string]any) {
	t.Helper()
	for _, c := range issued {
		token := c["token"].(string)
		hash, err := e.c.Sys().AuditHash("file/", token)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(audit, hash) {
			t.Errorf("the audit log lacks the HMAC of the token of token_ref %v", c["token_ref"])
		}
	}
}

// checkHashedTokens: hashed_token is shown where it is meant to be and
// nowhere else: in the creds answer, in tokens/:id, and in the audit log's
// record of the creds answer (the mount is tuned to leave it in clear
// there), never in Vault's log or another answer.
func checkHashedTokens(t *testing.T, places map[string]string, issued []map[string]any) {
	t.Helper()
	for _, c := range issued {
		hashed, ref := c["hashed_token"].(string), c["token_ref"].(string)
		for where, text := range places {
			shown := strings.Contains(text, hashed)
			meant := where == "audit log" || strings.HasSuffix(where, "(GET tokens/"+ref+")")
			if shown != meant {
				t.Errorf("%s: hashed_token of token_ref %s shown: %v, meant to be: %v", where, ref, shown, meant)
			}
		}
	}
}

// answers keeps the API answers of a run, apart from those meant to carry
// a secret.
type answers struct {
	e       *engine
	kept    []answer
	bearing []answer
}

type answer struct{ method, path, body string }

// keep sends a request under the mount and keeps its answer (an error
// included) for the scan.
func (h *answers) keep(t *testing.T, method, path string, body map[string]any) {
	t.Helper()
	h.kept = append(h.kept, h.send(t, method, path, body))
}

// keepEchoed is keep for a request whose provider call echoes its
// credential: the answer must be the provider's refusal, credential
// redacted.
func (h *answers) keepEchoed(t *testing.T, method, path string, body map[string]any) {
	t.Helper()
	a := h.send(t, method, path, body)
	h.kept = append(h.kept, a)
	if !strings.Contains(a.body, "Bad credentials: [redacted] was refused") {
		t.Errorf("%s %s: the provider's refusal is not passed on, redacted: %s", method, path, firstLine(a.body, 300))
	}
}

// secretBearing sends a request whose answer is meant to carry a secret
// (creds/, static-creds/) and returns its data.
func (h *answers) secretBearing(t *testing.T, method, path string, body map[string]any) map[string]any {
	t.Helper()
	a := h.send(t, method, path, body)
	h.bearing = append(h.bearing, a)
	var doc struct {
		LeaseID string         `json:"lease_id"`
		Data    map[string]any `json:"data"`
	}
	if err := json.Unmarshal([]byte(a.body), &doc); err != nil || doc.Data["token"] == nil {
		t.Fatalf("%s %s: no token in the answer (%v)", method, path, err)
	}
	if doc.LeaseID != "" {
		c := credsOf(&api.Secret{LeaseID: doc.LeaseID, Data: doc.Data})
		h.e.mu.Lock()
		h.e.issued = append(h.e.issued, c)
		h.e.mu.Unlock()
	}
	return doc.Data
}

func (h *answers) send(t *testing.T, method, path string, body map[string]any) answer {
	t.Helper()
	req := h.e.c.NewRequest(method, "/v1/"+h.e.path+"/"+path)
	if body != nil {
		if err := req.SetJSONBody(body); err != nil {
			t.Fatal(err)
		}
	}
	resp, err := h.e.c.RawRequest(req)
	if resp == nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return answer{method: method, path: path, body: string(b)}
}

// keyLines are the base64 lines of a PEM key: each is part of the secret.
func keyLines(pemText string) []string {
	var out []string
	for _, line := range strings.Split(pemText, "\n") {
		if line = strings.TrimSpace(line); len(line) >= 16 && !strings.HasPrefix(line, "-----") {
			out = append(out, line)
		}
	}
	return out
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func describeCounts(m map[string]int) string {
	var parts []string
	for k, n := range m {
		parts = append(parts, fmt.Sprintf("%d × %s", n, k))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}
