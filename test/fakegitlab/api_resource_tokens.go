package fakegitlab

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// Project and group access tokens: lib/api/resource_access_tokens.rb and
// ResourceAccessTokens::CreateService / RevokeService. Each token belongs to
// a bot user who is a member of the project or group at the token's level.

// adminLevel is the role that manages a resource's tokens: admin_project
// (Maintainer) on projects, admin_group (Owner) on groups.
func adminLevel(kind string) int {
	if kind == "group" {
		return levelOwner
	}
	return levelMaintainer
}

// canReadTokens is read_ and destroy_resource_access_tokens.
func (c *call) canReadTokens(res resource) bool {
	return c.s.db.level(c.user, res) >= adminLevel(res.kind)
}

// canManageTokens is create_ and manage_resource_access_tokens, which GitLab
// never grants to a bot: a project or group token cannot mint tokens.
func (c *call) canManageTokens(res resource) bool {
	return !c.user.bot && c.canReadTokens(res)
}

const resourceEntity = withLastUsedIPs | asResourceToken

func listResourceTokens(kind string) func(*call) reply {
	return func(c *call) reply {
		res, rep, ok := c.visibleResource(kind)
		if !ok {
			return rep
		}
		if !c.canReadTokens(res) {
			return unauthorized()
		}
		state, _, _ := c.params.str("state")
		now := c.s.now()
		var out []accessTokenEntity
		for _, t := range c.s.db.resourceTokens(res) {
			if !t.inState(state, now) {
				continue
			}
			out = append(out, c.accessTokenEntity(t, resourceEntity))
		}
		return paginate(c, out)
	}
}

func createResourceToken(kind string) func(*call) reply {
	return func(c *call) reply {
		var v validation
		name := v.requireString(c.params, "name")
		description := v.optionalString(c.params, "description")
		expires, hasExpiry := v.optionalDate(c.params, "expires_at")
		scopes := v.requireScopes(c.params, "scopes", resourceTokenScope(kind))
		level := v.accessLevel(c.params)
		if v.failed() {
			return v.reply()
		}
		res, rep, ok := c.visibleResource(kind)
		if !ok {
			return rep
		}
		if !c.canManageTokens(res) {
			return badRequest("User does not have permission to create " + kind + " access token")
		}
		if c.s.db.level(c.user, res) < level {
			return badRequest("Access level of the token contains permissions not held by the creating user")
		}
		now := c.s.now()
		if !hasExpiry {
			expires = dateOf(now).AddDate(0, 0, maxLifetimeDays)
		}
		if msgs := tokenModelErrors(name, scopes, expires, now); len(msgs) > 0 {
			return badRequest(toSentence(msgs))
		}
		bot := c.s.db.addBot(res, name, level, now)
		t := c.s.db.addToken(&tokenRecord{
			Token: Token{
				Kind:        kind,
				Parent:      res.key(),
				UserID:      bot.id,
				Username:    bot.username,
				Name:        name,
				Description: description,
				Scopes:      scopes,
				AccessLevel: level,
				ExpiresAt:   expires,
			},
			createdAt: now,
		})
		return jsonReply(http.StatusCreated, c.accessTokenEntity(t, resourceEntity|withToken))
	}
}

func getResourceToken(kind string) func(*call) reply {
	return func(c *call) reply {
		res, rep, ok := c.visibleResource(kind)
		if !ok {
			return rep
		}
		if !c.canReadTokens(res) {
			return unauthorized()
		}
		t := c.s.db.resourceToken(res, c.r.PathValue("token_id"))
		if t == nil {
			return notFound(kind + " Access Token")
		}
		return jsonReply(http.StatusOK, c.accessTokenEntity(t, resourceEntity))
	}
}

// revokeResourceToken revokes the token alone. Since GitLab 17.9
// (retain_resource_access_token_user_after_revoke, made the default) the bot
// user and its membership stay, so the token stays listed as inactive and
// any other token of the bot, such as a successor made by rotation, keeps
// working. GitLab finds revoked tokens here too and revokes them again, so
// a second DELETE also answers 204 (ResourceAccessTokens::RevokeService).
// GitLab's cron that deletes bots whose tokens have all been inactive for
// 30 days is not modelled.
func revokeResourceToken(kind string) func(*call) reply {
	return func(c *call) reply {
		res, rep, ok := c.visibleResource(kind)
		if !ok {
			return rep
		}
		t := c.s.db.resourceToken(res, c.r.PathValue("token_id"))
		if t == nil {
			return notFound(kind + " Access Token")
		}
		if !c.canReadTokens(res) {
			return badRequest(c.user.name + " cannot delete " + c.s.db.users[t.UserID].name)
		}
		t.revoked = true
		return noContent()
	}
}

func rotateResourceToken(kind string) func(*call) reply {
	return func(c *call) reply {
		var v validation
		expires, hasExpiry := v.optionalDate(c.params, "expires_at")
		if v.failed() {
			return v.reply()
		}
		res, rep, ok := c.visibleResource(kind)
		if !ok {
			return rep
		}
		var t *tokenRecord
		if c.canManageTokens(res) {
			t = c.s.db.resourceToken(res, c.r.PathValue("token_id"))
		}
		if t == nil {
			return c.hiddenToken()
		}
		return c.rotate(t, rotation{expires: expires, hasExpiry: hasExpiry, levelOn: &res, variant: resourceEntity})
	}
}

// rotateResourceTokenSelf serves .../access_tokens/self/rotate, where a
// project or group token rotates itself.
func rotateResourceTokenSelf(kind string) func(*call) reply {
	return func(c *call) reply {
		var v validation
		expires, hasExpiry := v.optionalDate(c.params, "expires_at")
		if v.failed() {
			return v.reply()
		}
		if !c.user.bot {
			return methodNotAllowed()
		}
		res, rep, ok := c.visibleResource(kind)
		if !ok {
			return rep
		}
		t := c.s.db.resourceToken(res, strconv.FormatInt(c.token.ID, 10))
		if t == nil {
			return unauthorized()
		}
		return c.rotate(t, rotation{expires: expires, hasExpiry: hasExpiry, variant: resourceEntity})
	}
}

// accessLevel validates the optional access_level, Maintainer by default.
func (v *validation) accessLevel(p params) int {
	level, present, err := p.integer("access_level")
	switch {
	case !present:
		return levelMaintainer
	case err != nil:
		v.invalid("access_level")
	case !slices.Contains([]int{levelGuest, levelPlanner, levelReporter, levelDeveloper, levelMaintainer, levelOwner}, level):
		v.badValue("access_level")
	}
	return level
}

// resourceTokens are the tokens of a resource's bots, revoked ones included,
// as GitLab lists them.
func (db *store) resourceTokens(res resource) []*tokenRecord {
	var out []*tokenRecord
	for _, t := range db.sortedTokens() {
		if t.Kind == res.kind && t.Parent == res.key() && !t.deleted {
			out = append(out, t)
		}
	}
	return out
}

func (db *store) resourceToken(res resource, tokenID string) *tokenRecord {
	t := db.tokenByID(tokenID)
	if t == nil || t.Kind != res.kind || t.Parent != res.key() || t.deleted {
		return nil
	}
	return t
}

// addBot creates the bot user of a new token, a member at its level.
func (db *store) addBot(res resource, name string, level int, now time.Time) *user {
	suffix := make([]byte, 16)
	_, _ = rand.Read(suffix)
	bot := &user{
		id:        db.newEntityID(),
		username:  res.kind + "_" + strconv.FormatInt(res.id, 10) + "_bot_" + hex.EncodeToString(suffix),
		name:      name,
		bot:       true,
		createdAt: now,
	}
	db.users[bot.id] = bot
	db.setMember(res, bot.id, level)
	return bot
}
