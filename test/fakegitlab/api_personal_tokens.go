package fakegitlab

import (
	"fmt"
	"net/http"
	"slices"
	"time"
)

// Personal access tokens: lib/api/personal_access_tokens.rb, its
// self_information and self_rotation parts, and the admin-only create in
// lib/api/users.rb. Project and group tokens are personal access tokens of
// their bot users, so these endpoints see them too.

// createPersonalToken serves POST /users/:user_id/personal_access_tokens,
// for administrators only.
func createPersonalToken(c *call) reply {
	if !c.user.admin {
		return forbidden()
	}
	var v validation
	userID := v.requireInteger(c.r.PathValue("user_id"), "user_id")
	req := v.newPersonalToken(c.params)
	if v.failed() {
		return v.reply()
	}
	target := c.s.db.liveUser(userID)
	if target == nil {
		return notFound("User")
	}
	t, msgs := c.addPersonalToken(target, req)
	if len(msgs) > 0 {
		// This endpoint answers the bare model message, without
		// "400 Bad request - ".
		return messageReply(http.StatusBadRequest, toSentence(msgs))
	}
	return jsonReply(http.StatusCreated, c.accessTokenEntity(t, withToken))
}

// newPersonalToken is what a personal access token create asks for: the
// administrator's for any user, a group owner's for a service account.
type newPersonalToken struct {
	name, description string
	scopes            []string
	expires           time.Time
	hasExpiry         bool
}

func (v *validation) newPersonalToken(p params) newPersonalToken {
	var n newPersonalToken
	n.name = v.requireString(p, "name")
	n.description = v.optionalString(p, "description")
	n.scopes = v.requireScopes(p, "scopes", personalScope)
	n.expires, n.hasExpiry = v.optionalDate(p, "expires_at")
	return n
}

// addPersonalToken makes u the token n asks for, expiring after GitLab's
// longest lifetime when n names no date; or it returns the messages of the
// model's validations that refuse it, which each endpoint answers its own
// way.
func (c *call) addPersonalToken(u *user, n newPersonalToken) (*tokenRecord, []string) {
	now := c.s.now()
	if !n.hasExpiry {
		n.expires = dateOf(now).AddDate(0, 0, maxLifetimeDays)
	}
	if msgs := tokenModelErrors(n.name, n.scopes, n.expires, now); len(msgs) > 0 {
		return nil, msgs
	}
	return c.s.db.addToken(&tokenRecord{
		Token: Token{
			Kind:        KindPersonal,
			Parent:      fmt.Sprintf("users/%d", u.id),
			UserID:      u.id,
			Username:    u.username,
			Name:        n.name,
			Description: n.description,
			Scopes:      slices.Clone(n.scopes),
			ExpiresAt:   n.expires,
		},
		createdAt: now,
	}), nil
}

// listPersonalTokens serves GET /personal_access_tokens: the caller's own,
// or anyone's for an administrator.
func listPersonalTokens(c *call) reply {
	filterUser, byUser, err := c.params.integer("user_id")
	if err != nil {
		return errorReply(http.StatusBadRequest, "user_id is invalid")
	}
	if byUser && int64(filterUser) != c.user.id && !c.user.admin {
		return unauthorized()
	}
	state, _, _ := c.params.str("state")
	now := c.s.now()
	var out []accessTokenEntity
	for _, t := range c.s.db.sortedTokens() {
		if !t.visibleAsPersonal() {
			continue
		}
		if (byUser && t.UserID != int64(filterUser)) || (!c.user.admin && t.UserID != c.user.id) {
			continue
		}
		if !t.inState(state, now) {
			continue
		}
		out = append(out, c.accessTokenEntity(t, 0))
	}
	return paginate(c, out)
}

func getPersonalTokenSelf(c *call) reply {
	return jsonReply(http.StatusOK, c.accessTokenEntity(c.token, withLastUsedIPs))
}

func revokePersonalTokenSelf(c *call) reply {
	c.token.revoked = true
	return noContent()
}

func rotatePersonalTokenSelf(c *call) reply {
	var v validation
	expires, hasExpiry := v.optionalDate(c.params, "expires_at")
	if v.failed() {
		return v.reply()
	}
	return c.rotate(c.token, rotation{expires: expires, hasExpiry: hasExpiry})
}

// getPersonalToken serves GET /personal_access_tokens/:id. Only an
// administrator learns that a token does not exist; others get 401.
func getPersonalToken(c *call) reply {
	t := c.ownPersonalToken()
	if t == nil {
		return c.hiddenToken()
	}
	return jsonReply(http.StatusOK, c.accessTokenEntity(t, withLastUsedIPs))
}

// revokePersonalToken serves DELETE /personal_access_tokens/:id. A token
// already revoked answers 404, so a revocation that is retried is told the
// token is gone rather than succeeding twice.
func revokePersonalToken(c *call) reply {
	t := c.personalToken()
	if t == nil || t.revoked {
		return recordNotFound()
	}
	if t.UserID != c.user.id && !c.user.admin {
		return badRequest("")
	}
	t.revoked = true
	return noContent()
}

func rotatePersonalToken(c *call) reply {
	var v validation
	expires, hasExpiry := v.optionalDate(c.params, "expires_at")
	if v.failed() {
		return v.reply()
	}
	t := c.ownPersonalToken()
	if t == nil {
		return c.hiddenToken()
	}
	return c.rotate(t, rotation{expires: expires, hasExpiry: hasExpiry})
}

// personalToken is the path's token, if the API can see it at all.
func (c *call) personalToken() *tokenRecord {
	if t := c.s.db.tokenByID(c.r.PathValue("token_id")); t != nil && t.visibleAsPersonal() {
		return t
	}
	return nil
}

// ownPersonalToken is the path's token if the caller may manage it: their
// own, or any for an administrator.
func (c *call) ownPersonalToken() *tokenRecord {
	t := c.personalToken()
	if t == nil || (t.UserID != c.user.id && !c.user.admin) {
		return nil
	}
	return t
}

func (c *call) hiddenToken() reply {
	if c.user.admin {
		return notFound("")
	}
	return unauthorized()
}

// visibleAsPersonal: every access token is a personal access token to
// GitLab, until its bot user is deleted.
func (t *tokenRecord) visibleAsPersonal() bool {
	return t.Kind != KindDeploy && !t.deleted
}
