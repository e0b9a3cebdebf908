package fakegitlab

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// Rules every personal, project and group access token follows (GitLab's
// PersonalAccessToken model and RotateService).

const (
	// maxLifetimeDays is GitLab's default cap on an access token's expiry.
	maxLifetimeDays = 365
	// rotationDays is the lifetime of a rotated token when the caller names
	// no expiry (RotateService::EXPIRATION_PERIOD).
	rotationDays = 7
)

// expiryError checks an access token's expiry date at now.
func expiryError(expires, now time.Time) string {
	today := dateOf(now)
	if !expires.After(today) {
		// GitLab's wording for this case could not be confirmed; it is
		// written in the style of its other expires_at errors.
		return "Expiration date must be in the future"
	}
	if limit := today.AddDate(0, 0, maxLifetimeDays); expires.After(limit) {
		return "Expiration date must be before " + formatDate(limit)
	}
	return ""
}

// tokenModelErrors are the model validations a new access token must pass,
// in GitLab's full_messages wording.
func tokenModelErrors(name string, scopes []string, expires, now time.Time) []string {
	var msgs []string
	if strings.TrimSpace(name) == "" {
		msgs = append(msgs, "Name can't be blank")
	}
	if len(scopes) == 0 {
		msgs = append(msgs, "Scopes can't be blank")
	}
	if msg := expiryError(expires, now); msg != "" {
		msgs = append(msgs, msg)
	}
	return msgs
}

// toSentence joins messages like Rails' Array#to_sentence.
func toSentence(parts []string) string {
	switch len(parts) {
	case 0:
		return ""
	case 1:
		return parts[0]
	case 2:
		return parts[0] + " and " + parts[1]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + ", and " + parts[len(parts)-1]
}

// rotation is how a rotate request was made.
type rotation struct {
	expires   time.Time
	hasExpiry bool
	// levelOn, for project and group tokens rotated by id, is where the
	// caller's role must cover the token's.
	levelOn *resource
	variant int // how to present the new token
}

// rotate revokes t at once and issues its successor in the same family.
// Rotating a revoked token is taken as reuse of a leaked token: the family
// is revoked and the call fails.
func (c *call) rotate(t *tokenRecord, how rotation) reply {
	now := c.s.now()
	if t.revoked {
		c.s.db.revokeFamily(t)
		return badRequest("Token already revoked")
	}
	if res := how.levelOn; res != nil && !c.user.admin &&
		c.s.db.level(c.user, *res) < c.s.db.memberLevel(t.UserID, *res) {
		return badRequest("Not eligible to rotate tokens with permissions not held by the user")
	}
	expires := how.expires
	if !how.hasExpiry {
		expires = dateOf(now).AddDate(0, 0, rotationDays)
	}
	if msg := expiryError(expires, now); msg != "" {
		return badRequest(msg)
	}
	t.revoked = true
	next := c.s.db.addToken(&tokenRecord{
		Token: Token{
			Kind:        t.Kind,
			Parent:      t.Parent,
			UserID:      t.UserID,
			Username:    t.Username,
			Name:        t.Name,
			Description: t.Description,
			Scopes:      slices.Clone(t.Scopes),
			AccessLevel: t.AccessLevel,
			ExpiresAt:   expires,
		},
		createdAt:  now,
		previousID: t.ID,
	})
	return jsonReply(http.StatusOK, c.accessTokenEntity(next, how.variant|withToken))
}
