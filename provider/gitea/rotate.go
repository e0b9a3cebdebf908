package gitea

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"time"

	sdk "code.gitea.io/sdk/gitea"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// probeTimeout bounds the sign-ins that find out which password works
// after a password change whose answer was lost.
const probeTimeout = 20 * time.Second

// ErrRotationNeedsAdmin is the refusal for a bot account that is not a site
// administrator: Gitea and Forgejo have no API through which a user changes
// their own password (the settings page takes it, the API does not); only
// PATCH /api/v1/admin/users/{username}, for site admins, sets one.
var ErrRotationNeedsAdmin = &provider.Error{Kind: provider.ErrInvalidRequest, Message: "gitea: rotation changes the bot account's password through PATCH /api/v1/admin/users/{username}, " +
	"which only a site administrator may call, and this bot account is not one; make it a site administrator, or change its password by hand and write the new one to the connection"}

// passwordRotator is a client that can set its bot account's password.
type passwordRotator interface {
	RotateSelf(ctx context.Context, _ time.Time) (string, provider.CredentialInfo, error)
}

// CredentialLifetime implements provider.Kind: passwords do not expire.
func (Kind) CredentialLifetime(*provider.Connection) (lifetime, limit time.Duration) { return 0, 0 }

// RotationWarnings implements provider.Kind: a schedule on a bot account
// that is not a site administrator would fail at every rotation.
func (Kind) RotationWarnings(_ *provider.Connection, info provider.CredentialInfo) []string {
	if admin, ok := info["is_admin"].(bool); ok && !admin {
		return []string{"the bot account is not a site administrator, so scheduled rotations will fail: " +
			"only a site administrator can set a password through the API (PATCH /api/v1/admin/users/{username}); " +
			"make it one, or set disable_automated_rotation=true and change the password by hand"}
	}
	return nil
}

// RotateCredential implements provider.Kind: a new password for the bot
// account (RotateSelf). The old one stops working when the server answers,
// so the rotation is Final: the backend keeps the new one before anything
// else. What Verify said of the server stays in the information.
func (Kind) RotateCredential(ctx context.Context, c *provider.Connection, prev provider.CredentialInfo, _ time.Time, newClient provider.NewClientFunc) (*provider.Rotation, error) {
	client, err := newClient(c)
	if err != nil {
		return nil, fmt.Errorf("build gitea client: %w", err)
	}
	rotator, ok := client.(passwordRotator)
	if !ok {
		return nil, errors.New("the gitea client cannot change its password")
	}
	password, info, err := rotator.RotateSelf(ctx, time.Time{})
	if err != nil {
		return nil, err
	}
	next := *c
	s, err := settingsOf(&next)
	if err != nil {
		return nil, err
	}
	s.Password, s.PreviousPassword = password, ""
	if cl, ok := client.(*Client); ok {
		s.PreviousPassword = cl.unconfirmedPrevious()
	}
	next.Settings = provider.Encode(s)
	merged := maps.Clone(prev)
	if merged == nil {
		merged = provider.CredentialInfo{}
	}
	maps.Copy(merged, info)
	return &provider.Rotation{Connection: &next, Info: merged, Final: true}, nil
}

// Credential implements provider.Kind: the bot account's password, which a
// rotation replaces.
func (Kind) Credential(c *provider.Connection) string {
	s, _ := settingsOf(c)
	return s.Password
}

// SetCredential implements provider.Kind. The backend calls it to apply a
// rotated password its write-ahead log kept, which does not say whether the
// change was confirmed: the password it replaces stays as the previous one
// until a sign-in tells which works (password_fallback.go).
func (Kind) SetCredential(c *provider.Connection, password string) error {
	s, err := settingsOf(c)
	if err != nil {
		return err
	}
	if s.Password != password {
		s.PreviousPassword = s.Password
	}
	s.Password = password
	c.Settings = provider.Encode(s)
	return nil
}

// RotateSelf sets a new random password on
// the bot account and returns it (newToken is the password; expiresAt does
// not apply, passwords do not expire). The account's access tokens keep
// working: Gitea does not end them on a password change.
//
// The PATCH is never retried after the server may have acted on it. When
// its answer is lost, the client signs in with the new password: if that
// works the change was made and the new password is returned, so the
// engine never keeps a password that no longer works.
func (c *Client) RotateSelf(ctx context.Context, _ time.Time) (string, provider.CredentialInfo, error) {
	u, resp, err := c.api(ctx).GetMyUserInfo()
	if err != nil {
		return "", nil, c.fail("sign in as "+c.username, resp, err)
	}
	if !u.IsAdmin {
		return "", nil, ErrRotationNeedsAdmin
	}
	if u.SourceID != 0 {
		return "", nil, invalid(fmt.Errorf("the bot account %s signs in through authentication source %d (LDAP, OAuth, ...), whose password Gitea does not hold; rotate it there", c.username, u.SourceID))
	}
	password, err := newPassword()
	if err != nil {
		return "", nil, err
	}
	loginName := u.LoginName
	if loginName == "" {
		loginName = u.UserName
	}
	no := false
	opt := sdk.EditUserOption{SourceID: u.SourceID, LoginName: loginName, Password: password, MustChangePassword: &no}
	if u.Email != "" {
		// Required by Gitea releases before the field became optional.
		opt.Email = &u.Email
	}
	old := c.secret(ctx)
	info := provider.CredentialInfo{
		"username": u.UserName, "user_id": u.ID, "is_admin": u.IsAdmin,
		"password_changed_at": c.now().UTC(),
	}
	resp, err = c.apiAs(ctx, c.rotateHC, old).AdminEditUser(c.username, opt)
	if err != nil {
		switch c.changed(ctx, resp, password) {
		case signInNo:
			return "", nil, c.fail("change the password of "+c.username, resp, err)
		case signInUnknown:
			// Neither answer came: keep both (password_fallback.go).
			c.log.Warn("the password change's answer was lost and the new password could not be checked; keeping both until a sign-in tells", "username", c.username)
			c.pw.mu.Lock()
			c.pw.unconfirmed = old
			c.pw.mu.Unlock()
			info["password_confirmed"] = false
		}
	}
	return password, info, nil
}

// unconfirmedPrevious is the password before the last RotateSelf when that
// change was never confirmed, else "".
func (c *Client) unconfirmedPrevious() string {
	c.pw.mu.Lock()
	defer c.pw.mu.Unlock()
	return c.pw.unconfirmed
}

// changed tells, after a failed PATCH, whether the password was changed
// anyway. A refusal the server answered did not change it (signInNo).
// After a lost answer or a 5xx, a sign-in with the new password tells; when
// that sign-in gets no answer either, nobody knows (signInUnknown).
func (c *Client) changed(ctx context.Context, resp *sdk.Response, password string) signIn {
	if resp != nil && resp.Response != nil && resp.StatusCode < http.StatusInternalServerError {
		return signInNo // the server answered, and refused
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), probeTimeout)
	defer cancel()
	got := c.signsIn(ctx, password)
	if got == signInYes {
		c.log.Warn("the password change's answer was lost, but the new password signs in; keeping it", "username", c.username)
	}
	return got
}

// newPassword is 256 random bits, with one character of each class Gitea's
// PASSWORD_COMPLEXITY can demand (lower, upper, digit, spec), 47
// characters: over any MIN_PASSWORD_LENGTH default and under the 255 cap.
func newPassword() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("gitea: make a password: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b) + "aA1-", nil
}
