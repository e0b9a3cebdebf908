package fakegitlab

import (
	"net/http"
	"regexp"
	"strconv"
)

// Deploy tokens: lib/api/deploy_tokens.rb and the DeployToken model. They
// are not personal access tokens: they work for Git and registries
// (CheckBasicAuth) but not for the REST API.

// deployUsername is the DeployToken model's username format.
var deployUsername = regexp.MustCompile(`\A[a-zA-Z0-9\.\+_-]+\z`)

// deployWriteLevel: Maintainers manage project deploy tokens; group deploy
// tokens need the Owner. Reading needs Maintainer on both.
func deployWriteLevel(kind string) int {
	if kind == "group" {
		return levelOwner
	}
	return levelMaintainer
}

func listDeployTokens(kind string) func(*call) reply {
	return func(c *call) reply {
		res, rep, ok := c.visibleResource(kind)
		if !ok {
			return rep
		}
		if c.s.db.level(c.user, res) < levelMaintainer {
			return forbidden()
		}
		activeOnly, _, _ := c.params.str("active")
		now := c.s.now()
		var out []deployTokenEntity
		for _, t := range c.s.db.deployTokens(res) {
			if activeOnly == "true" && !t.live(now) {
				continue
			}
			out = append(out, c.deployTokenEntity(t, false))
		}
		return paginate(c, out)
	}
}

func createDeployToken(kind string) func(*call) reply {
	return func(c *call) reply {
		var v validation
		name := v.requireString(c.params, "name")
		scopes := v.requireScopes(c.params, "scopes", deployTokenScope)
		expires, _ := v.optionalDateTime(c.params, "expires_at")
		username := v.optionalString(c.params, "username")
		if v.failed() {
			return v.reply()
		}
		res, rep, ok := c.visibleResource(kind)
		if !ok {
			return rep
		}
		if c.s.db.level(c.user, res) < deployWriteLevel(kind) {
			return forbidden()
		}
		// The model's validations. GitLab accepts an expiry in the past
		// here: the token is simply born expired.
		var msgs []string
		if len(scopes) == 0 {
			msgs = append(msgs, "Scopes can't be blank")
		}
		if username != "" && !deployUsername.MatchString(username) {
			msgs = append(msgs, "Username can contain only letters, digits, '_', '-', '+', and '.'")
		}
		if len(name) > 255 {
			msgs = append(msgs, "Name is too long (maximum is 255 characters)")
		}
		if len(msgs) > 0 {
			return messageReply(http.StatusBadRequest, toSentence(msgs))
		}
		t := c.s.db.addToken(&tokenRecord{
			Token: Token{
				Kind:      KindDeploy,
				Parent:    res.key(),
				Username:  username,
				Name:      name,
				Scopes:    scopes,
				ExpiresAt: expires,
			},
			createdAt: c.s.now(),
		})
		if t.Username == "" {
			t.Username = "gitlab+deploy-token-" + strconv.FormatInt(t.ID, 10)
		}
		return jsonReply(http.StatusCreated, c.deployTokenEntity(t, true))
	}
}

func getDeployToken(kind string) func(*call) reply {
	return func(c *call) reply {
		var v validation
		id := v.requireInteger(c.r.PathValue("token_id"), "token_id")
		if v.failed() {
			return v.reply()
		}
		res, rep, ok := c.visibleResource(kind)
		if !ok {
			return rep
		}
		if c.s.db.level(c.user, res) < levelMaintainer {
			return forbidden()
		}
		t := c.s.db.deployToken(res, id)
		if t == nil {
			return recordNotFound()
		}
		return jsonReply(http.StatusOK, c.deployTokenEntity(t, false))
	}
}

// deleteDeployToken destroys the token: it leaves the list, stops working,
// and a second DELETE is a 404.
func deleteDeployToken(kind string) func(*call) reply {
	return func(c *call) reply {
		var v validation
		id := v.requireInteger(c.r.PathValue("token_id"), "token_id")
		if v.failed() {
			return v.reply()
		}
		res, rep, ok := c.visibleResource(kind)
		if !ok {
			return rep
		}
		if c.s.db.level(c.user, res) < deployWriteLevel(kind) {
			return forbidden()
		}
		t := c.s.db.deployToken(res, id)
		if t == nil {
			return recordNotFound()
		}
		t.revoked, t.deleted = true, true
		return noContent()
	}
}

func (db *store) deployTokens(res resource) []*tokenRecord {
	var out []*tokenRecord
	for _, t := range db.sortedTokens() {
		if t.Kind == KindDeploy && t.Parent == res.key() && !t.deleted {
			out = append(out, t)
		}
	}
	return out
}

func (db *store) deployToken(res resource, id int64) *tokenRecord {
	t := db.tokens[id]
	if t == nil || t.Kind != KindDeploy || t.Parent != res.key() || t.deleted {
		return nil
	}
	return t
}
