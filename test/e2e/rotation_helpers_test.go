package e2e

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitlab"
)

// Helpers of the rotation scenarios (rotation_test.go). Scheduled work runs
// on Vault's rollback tick, once a minute, so the waits here are counted in
// minutes; each returns as soon as its condition holds.

const (
	// rotScheduleTimeout bounds the wait for a scheduled rotation that is
	// due within a minute: up to a minute until it is due, up to another
	// until the next tick, and as long again for a loaded machine, where a
	// tick's work can run late. A wait ends as soon as the rotation is seen.
	rotScheduleTimeout = 4 * time.Minute
	// rotTickSlack is how long after a deadline the engine may take to act
	// on it: the next tick, plus as long again for a loaded machine.
	rotTickSlack = 3 * time.Minute
)

// rotConnOwner identifies the engine's own GitLab token at the fake: the
// personal token the test seeded as engine.gitlabToken and every token it
// rotated into, which keep its user and name. One of them is live at a time.
type rotConnOwner struct {
	userID int64
	name   string
	seeded int64 // the id of the seeded token
}

// rotConnOwnerOf reads the seeded connection token's identity at the fake,
// and fails unless it is still the one live token of its family.
func rotConnOwnerOf(t testing.TB, e *engine) rotConnOwner {
	t.Helper()
	tok, live := e.gl.Lookup(e.gitlabToken)
	if !live {
		t.Fatal("the connection's seeded token is not live at the fake GitLab")
	}
	o := rotConnOwner{userID: tok.UserID, name: tok.Name, seeded: tok.ID}
	cur, err := o.current(e)
	if err != nil {
		t.Fatal(err)
	}
	if cur.ID != tok.ID {
		t.Fatalf("the connection's live token is %d, not the seeded %d", cur.ID, tok.ID)
	}
	return o
}

// current is the one live token of the family at the fake.
func (o rotConnOwner) current(e *engine) (fakegitlab.Token, error) {
	var live []fakegitlab.Token
	for _, tok := range e.gl.LiveTokens() {
		if tok.Kind == fakegitlab.KindPersonal && tok.UserID == o.userID && tok.Name == o.name {
			live = append(live, tok)
		}
	}
	if len(live) != 1 {
		ids := make([]string, 0, len(live))
		for _, tok := range live {
			ids = append(ids, strconv.FormatInt(tok.ID, 10))
		}
		return fakegitlab.Token{}, fmt.Errorf("the connection's token family has %d live tokens at the fake GitLab (ids %s), want 1",
			len(live), strings.Join(ids, ", "))
	}
	return live[0], nil
}

// waitRotatedFrom waits until the family's live token is no longer the one
// with id from, and returns its successor.
func (o rotConnOwner) waitRotatedFrom(t testing.TB, e *engine, from int64, timeout time.Duration, why string) fakegitlab.Token {
	t.Helper()
	var next fakegitlab.Token
	e.v.eventually(t, timeout, why+": the connection's token rotates at the fake GitLab", func() error {
		cur, err := o.current(e)
		if err != nil {
			return err
		}
		if cur.ID == from {
			return fmt.Errorf("token %d is still the live one", from)
		}
		next = cur
		return nil
	})
	return next
}

// rotReadConfig reads <mount>/config/<name> through the API.
func rotReadConfig(t testing.TB, e *engine, name string) map[string]any {
	t.Helper()
	s, err := e.v.api().Logical().Read(e.path + "/config/" + name)
	if err != nil || s == nil {
		t.Fatalf("read %s/config/%s: %v (nil: %t)\n--- end of the Vault log ---\n%s", e.path, name, err, s == nil, e.v.logTail())
	}
	return s.Data
}

// rotWaitConfigTokenID waits until config/<name> shows the token with id:
// the fake answers the rotation a moment before the engine stores it.
func rotWaitConfigTokenID(t testing.TB, e *engine, name string, id int64) map[string]any {
	t.Helper()
	var data map[string]any
	e.v.eventually(t, revokeTimeout, "config/"+name+" shows the rotated token", func() error {
		s, err := e.v.api().Logical().Read(e.path + "/config/" + name)
		if err != nil || s == nil {
			return fmt.Errorf("read config/%s: %v", name, err)
		}
		if got := fmt.Sprint(s.Data["token_id"]); got != strconv.FormatInt(id, 10) {
			return fmt.Errorf("config/%s shows token_id %s, want %d", name, got, id)
		}
		data = s.Data
		return nil
	})
	return data
}

// rotTime parses an RFC 3339 field of a response, failing the test when it
// is missing or malformed.
func rotTime(t testing.TB, where string, data map[string]any, key string) time.Time {
	t.Helper()
	s, _ := data[key].(string)
	at, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("%s: %s is %v, not an RFC 3339 time", where, key, data[key])
	}
	return at
}

// rotStaticCreds is a static-creds/ response's data.
type rotStaticCreds struct {
	Token          string `json:"token"`
	Username       string `json:"username"`
	TokenType      string `json:"token_type"`
	TokenID        int64  `json:"token_id"`
	TokenRef       string `json:"token_ref"`
	LastRotated    string `json:"last_rotated"`
	NextRotation   string `json:"next_rotation"`
	ExpiresAt      string `json:"expires_at"`
	TTL            int64  `json:"ttl"`
	RotationPeriod int64  `json:"rotation_period"`
	GracePeriod    int64  `json:"grace_period"`
}

// String names the token in messages; it never shows the token.
func (c *rotStaticCreds) String() string { return fmt.Sprintf("static token %d", c.TokenID) }

// rotTryReadStatic runs `vault read -format=json <mount>/static-creds/<name>`.
func rotTryReadStatic(e *engine, name string) (*rotStaticCreds, error) {
	out, _, err := e.v.srv.CLI("read", "-format=json", e.path+"/static-creds/"+name)
	if err != nil {
		return nil, err
	}
	var resp struct {
		Data rotStaticCreds `json:"data"`
	}
	if err := json.Unmarshal([]byte(out), &resp); err != nil {
		return nil, fmt.Errorf("vault read %s/static-creds/%s: output is not the expected JSON: %v", e.path, name, err)
	}
	if resp.Data.Token == "" || resp.Data.TokenID == 0 {
		return nil, fmt.Errorf("vault read %s/static-creds/%s: no token or token_id", e.path, name)
	}
	return &resp.Data, nil
}

func rotReadStatic(t testing.TB, e *engine, name string) *rotStaticCreds {
	t.Helper()
	c, err := rotTryReadStatic(e, name)
	if err != nil {
		t.Fatalf("%v\n--- end of the Vault log ---\n%s", err, e.v.logTail())
	}
	return c
}

// rotStaticLive reports whether a static token works at the fake GitLab.
func rotStaticLive(e *engine, c *rotStaticCreds) bool {
	_, ok := e.gl.Lookup(c.Token)
	return ok
}

func rotRequireStaticLive(t testing.TB, e *engine, why string, cs ...*rotStaticCreds) {
	t.Helper()
	for _, c := range cs {
		if !rotStaticLive(e, c) {
			t.Fatalf("%s: %v is not live at the fake GitLab\n--- end of the Vault log ---\n%s", why, c, e.v.logTail())
		}
	}
}

func rotRequireStaticDead(t testing.TB, e *engine, why string, cs ...*rotStaticCreds) {
	t.Helper()
	for _, c := range cs {
		if rotStaticLive(e, c) {
			t.Fatalf("%s: %v still works at the fake GitLab\n--- end of the Vault log ---\n%s", why, c, e.v.logTail())
		}
	}
}

// rotWriteStaticRole runs `vault write <mount>/static-roles/<name>` and
// deletes the role when the test ends, so that a failed scenario does not
// leave its tokens live at the fake (whose leak check would then pile up
// reports). Deleting a role that is gone already is harmless.
func rotWriteStaticRole(t *testing.T, e *engine, name string, fields ...string) {
	t.Helper()
	e.v.vault(t, append([]string{"write", e.path + "/static-roles/" + name, "config=gl"}, fields...)...)
	t.Cleanup(func() {
		if _, _, err := e.v.srv.CLI("delete", e.path+"/static-roles/"+name); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
}

// rotPreviousRevokeAfter reads static-roles/<name> and returns when the
// grace period of its previous token with id ends.
func rotPreviousRevokeAfter(t testing.TB, e *engine, name string, id int64) time.Time {
	t.Helper()
	s, err := e.v.api().Logical().Read(e.path + "/static-roles/" + name)
	if err != nil || s == nil {
		t.Fatalf("read %s/static-roles/%s: %v\n--- end of the Vault log ---\n%s", e.path, name, err, e.v.logTail())
	}
	prev, _ := s.Data["previous_tokens"].([]any)
	for _, p := range prev {
		entry, _ := p.(map[string]any)
		if fmt.Sprint(entry["token_id"]) == strconv.FormatInt(id, 10) {
			return rotTime(t, "static-roles/"+name+" previous_tokens", entry, "revoke_after")
		}
	}
	t.Fatalf("static-roles/%s does not list token %d under previous_tokens (%v)", name, id, prev)
	return time.Time{}
}

// rotGraced is a replaced static token and the end of its grace period as
// the engine recorded it.
type rotGraced struct {
	creds       *rotStaticCreds
	revokeAfter time.Time
}

// rotGraceCheck looks at each token of gs at the fake and returns those
// still live. A token already dead before its grace period ended is an
// error that gives up a wait. revoke_after is shown to the second, rounded
// down, so a token seen dead before it was revoked too early.
func rotGraceCheck(e *engine, gs ...rotGraced) ([]rotGraced, error) {
	var live []rotGraced
	for _, g := range gs {
		if rotStaticLive(e, g.creds) {
			live = append(live, g)
			continue
		}
		if seen := time.Now(); seen.Before(g.revokeAfter) {
			return nil, giveUp(fmt.Errorf("%v was dead at %s, before its grace period ended at %s",
				g.creds, seen.Format(time.RFC3339), g.revokeAfter.Format(time.RFC3339)))
		}
	}
	return live, nil
}

// rotWatchGrace polls the fake until every token of gs is dead, and fails
// the test when one dies before its grace period ended or outlives it by
// more than rotTickSlack.
func rotWatchGrace(t testing.TB, e *engine, gs ...rotGraced) {
	t.Helper()
	last := time.Time{}
	for _, g := range gs {
		if g.revokeAfter.After(last) {
			last = g.revokeAfter
		}
	}
	// The slack counts from the end of the grace period, or from now if
	// that has passed while the test looked at other things.
	e.v.eventually(t, max(time.Until(last), 0)+rotTickSlack, "replaced static tokens die when their grace period ends", func() error {
		live, err := rotGraceCheck(e, gs...)
		if err != nil {
			return err
		}
		var names []string
		for _, g := range live {
			names = append(names, fmt.Sprintf("%v (grace until %s)", g.creds, g.revokeAfter.Format(time.RFC3339)))
		}
		if len(names) > 0 {
			return fmt.Errorf("still live: %s", strings.Join(names, "; "))
		}
		return nil
	})
}

// rotRendered parses the agent's output file: one line, "<token_id>
// <token>". It gives up once the agent has exited.
func rotRendered(a *agent, path string) (*rotStaticCreds, error) {
	b, err := a.output(path)
	if err != nil {
		return nil, err
	}
	f := strings.Fields(string(b))
	if len(f) != 2 {
		return nil, fmt.Errorf("the rendered file has %d fields, want 2", len(f))
	}
	id, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil {
		return nil, fmt.Errorf("the rendered token_id %q is not a number", f[0])
	}
	return &rotStaticCreds{TokenID: id, Token: f[1]}, nil
}
