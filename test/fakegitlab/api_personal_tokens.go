package fakegitlab

import (
	"fmt"
	"net/http"
	"strconv"
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
	name := v.requireString(c.params, "name")
	description := v.optionalString(c.params, "description")
	scopes := v.requireScopes(c.params, "scopes", personalScope)
	expires, hasExpiry := v.optionalDate(c.params, "expires_at")
	if v.failed() {
		return v.reply()
	}
	target := c.s.db.liveUser(userID)
	if target == nil {
		return notFound("User")
	}
	now := c.s.now()
	if !hasExpiry {
		expires = dateOf(now).AddDate(0, 0, maxLifetimeDays)
	}
	if msgs := tokenModelErrors(name, scopes, expires, now); len(msgs) > 0 {
		// This endpoint answers the bare model message, without
		// "400 Bad request - ".
		return messageReply(http.StatusBadRequest, toSentence(msgs))
	}
	t := c.s.db.addToken(&tokenRecord{
		Token: Token{
			Kind:        KindPersonal,
			Parent:      fmt.Sprintf("users/%d", target.id),
			UserID:      target.id,
			Username:    target.username,
			Name:        name,
			Description: description,
			Scopes:      scopes,
			ExpiresAt:   expires,
		},
		createdAt: now,
	})
	return jsonReply(http.StatusCreated, c.accessTokenEntity(t, withToken))
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
		if (state == "active" && !t.live(now)) || (state == "inactive" && t.live(now)) {
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
	id, err := strconv.ParseInt(c.r.PathValue("token_id"), 10, 64)
	if err != nil {
		return nil
	}
	if t := c.s.db.tokens[id]; t != nil && t.visibleAsPersonal() {
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
