package fakegitlab

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Read-only look-ups: instance metadata, users, projects and groups.

type kasEntity struct {
	Enabled             bool    `json:"enabled"`
	ExternalURL         *string `json:"externalUrl"`
	ExternalK8sProxyURL *string `json:"externalK8sProxyUrl"`
	Version             *string `json:"version"`
}

type metadataEntity struct {
	Version    string    `json:"version"`
	Revision   string    `json:"revision"`
	KAS        kasEntity `json:"kas"`
	Enterprise bool      `json:"enterprise"`
}

// getMetadata serves /metadata and the deprecated /version, which GitLab
// answers from the same query.
func getMetadata(c *call) reply {
	return jsonReply(http.StatusOK, metadataEntity{Version: c.s.version, Revision: "fakegitlab"})
}

func getCurrentUser(c *call) reply {
	return jsonReply(http.StatusOK, c.userEntity(c.user))
}

// listUsers serves GET /users, with the username filter clients use to
// resolve a name to an id.
func listUsers(c *call) reply {
	username, filtered, _ := c.params.str("username")
	var out []userEntity
	for _, u := range c.s.db.sortedUsers() {
		if filtered && !strings.EqualFold(u.username, username) {
			continue
		}
		out = append(out, c.userEntity(u))
	}
	return paginate(c, out)
}

func getUser(c *call) reply {
	id, err := strconv.ParseInt(c.r.PathValue("user_id"), 10, 64)
	u := c.s.db.liveUser(id)
	if err != nil || u == nil {
		return notFound("User")
	}
	return jsonReply(http.StatusOK, c.userEntity(u))
}

func getProject(c *call) reply {
	res, rep, ok := c.visibleResource("project")
	if !ok {
		return rep
	}
	return jsonReply(http.StatusOK, c.projectEntity(c.s.db.projects[res.id]))
}

func getGroup(c *call) reply {
	res, rep, ok := c.visibleResource("group")
	if !ok {
		return rep
	}
	return jsonReply(http.StatusOK, c.groupEntity(c.s.db.groups[res.id]))
}

// visibleResource resolves the path's {id} for the caller. Projects and
// groups here are private, so one the caller cannot see is a 404, exactly
// like one that does not exist.
func (c *call) visibleResource(kind string) (resource, reply, bool) {
	res, ok := c.s.db.findResource(kind, c.r.PathValue("id"))
	if !ok || !c.s.db.canSee(c.user, res) {
		return resource{}, notFound(strings.ToUpper(kind[:1]) + kind[1:]), false
	}
	return res, reply{}, true
}

func (db *store) sortedUsers() []*user {
	var out []*user
	for _, u := range db.users {
		if !u.deleted {
			out = append(out, u)
		}
	}
	slices.SortFunc(out, func(a, b *user) int { return int(a.id - b.id) })
	return out
}
