package gitea

import (
	"context"
	"net/http"
	"sync"
)

// A password change whose answer was lost, followed by a sign-in with the
// new password that could not reach the server either, leaves the engine
// unsure which password the bot has. Keeping only the old one would lock
// the engine out if the change was made; keeping only the new one would if
// it was not. So such a rotation keeps both (RotateCredential stores the
// old one as previous_password, in the seal-wrapped connection), and the
// client signs in once to learn which one works.

// passwords are a client's candidates for the bot's password.
type passwords struct {
	mu       sync.Mutex
	current  string
	previous string // "" unless a rotation's outcome is unknown
	settled  bool
	// unconfirmed is the password a RotateSelf of this client replaced
	// without learning whether the change took.
	unconfirmed string
}

// all are the candidates, for scrubbing messages.
func (p *passwords) all() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, s := range []string{p.current, p.previous} {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// secret is the password to sign in with. With a previous password kept,
// the first call finds out which of the two signs in; until a sign-in
// answers, it tries again on the next call.
func (c *Client) secret(ctx context.Context) string {
	c.pw.mu.Lock()
	defer c.pw.mu.Unlock()
	if c.pw.previous == "" || c.pw.settled {
		return c.pw.current
	}
	switch c.signsIn(ctx, c.pw.current) {
	case signInYes:
		c.pw.settled = true
	case signInNo:
		if c.signsIn(ctx, c.pw.previous) == signInYes {
			c.log.Warn("the last password change did not take; signing in with the password before it", "username", c.username)
			c.pw.current, c.pw.settled = c.pw.previous, true
		}
	}
	return c.pw.current
}

type signIn int

const (
	signInUnknown signIn = iota // no answer, or one that tells nothing
	signInYes
	signInNo // 401: the server holds another password
)

// signsIn asks the server whether password signs the bot in.
func (c *Client) signsIn(ctx context.Context, password string) signIn {
	_, resp, err := c.apiAs(ctx, c.hc, password).GetMyUserInfo()
	switch {
	case err == nil:
		return signInYes
	case isStatus(resp, http.StatusUnauthorized):
		return signInNo
	default:
		return signInUnknown
	}
}
