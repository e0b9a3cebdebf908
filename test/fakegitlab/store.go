package fakegitlab

import (
	"strconv"
	"strings"
	"time"
)

// GitLab's role levels (Gitlab::Access).
const (
	levelNone       = 0
	levelGuest      = 10
	levelPlanner    = 15
	levelReporter   = 20
	levelDeveloper  = 30
	levelMaintainer = 40
	levelOwner      = 50
)

type user struct {
	id        int64
	username  string
	name      string
	admin     bool
	bot       bool
	deleted   bool // removed from the instance
	createdAt time.Time

	// serviceAccount marks a service account (api_service_accounts.go);
	// provisionedBy is the top-level group that owns it, 0 for an
	// instance service account.
	serviceAccount bool
	provisionedBy  int64
}

type group struct {
	id        int64
	path      string // last segment
	fullPath  string
	parentID  int64 // 0 for a top-level group
	createdAt time.Time
}

type project struct {
	id        int64
	path      string
	fullPath  string
	groupID   int64 // the namespace; always a group here
	createdAt time.Time
}

// resource is a project or a group where tokens and memberships live.
type resource struct {
	kind     string // "project" or "group"
	id       int64
	fullPath string
}

// key is how the resource is named in memberships and Token.Parent.
func (r resource) key() string { return r.kind + "s/" + strconv.FormatInt(r.id, 10) }

// store is the server's state. Callers hold Server.mu.
type store struct {
	// Users, groups and projects share one sequence, and all tokens another,
	// so that an id sent to the wrong endpoint never matches by accident.
	nextEntityID int64
	nextTokenID  int64

	users    map[int64]*user
	groups   map[int64]*group
	projects map[int64]*project
	members  map[string]map[int64]int // resource key → user id → level
	tokens   map[int64]*tokenRecord
	byValue  map[string]*tokenRecord
}

func newStore() *store {
	return &store{
		users:    map[int64]*user{},
		groups:   map[int64]*group{},
		projects: map[int64]*project{},
		members:  map[string]map[int64]int{},
		tokens:   map[int64]*tokenRecord{},
		byValue:  map[string]*tokenRecord{},
	}
}

func (db *store) newEntityID() int64 {
	db.nextEntityID++
	return db.nextEntityID
}

func (db *store) newTokenID() int64 {
	db.nextTokenID++
	return db.nextTokenID
}

func (db *store) userByName(username string) *user {
	for _, u := range db.users {
		if !u.deleted && strings.EqualFold(u.username, username) {
			return u
		}
	}
	return nil
}

func (db *store) liveUser(id int64) *user {
	if u := db.users[id]; u != nil && !u.deleted {
		return u
	}
	return nil
}

func (db *store) groupByPath(fullPath string) *group {
	for _, g := range db.groups {
		if strings.EqualFold(g.fullPath, fullPath) {
			return g
		}
	}
	return nil
}

func (db *store) projectByPath(fullPath string) *project {
	for _, p := range db.projects {
		if strings.EqualFold(p.fullPath, fullPath) {
			return p
		}
	}
	return nil
}

// findResource resolves an API :id, a number or a full path, of the kind.
func (db *store) findResource(kind, id string) (resource, bool) {
	n, err := strconv.ParseInt(id, 10, 64)
	numeric := err == nil
	switch kind {
	case "project":
		p := db.projects[n]
		if !numeric {
			p = db.projectByPath(id)
		}
		if p != nil {
			return resource{kind: kind, id: p.id, fullPath: p.fullPath}, true
		}
	case "group":
		g := db.groups[n]
		if !numeric {
			g = db.groupByPath(id)
		}
		if g != nil {
			return resource{kind: kind, id: g.id, fullPath: g.fullPath}, true
		}
	}
	return resource{}, false
}

// resourceByKey is the inverse of resource.key.
func (db *store) resourceByKey(key string) (resource, bool) {
	kind, id, _ := strings.Cut(key, "s/")
	return db.findResource(kind, id)
}

func (db *store) setMember(res resource, userID int64, level int) {
	m := db.members[res.key()]
	if m == nil {
		m = map[int64]int{}
		db.members[res.key()] = m
	}
	m[userID] = level
}

// level is the user's effective role on the resource. Administrators count
// as Owner everywhere.
func (db *store) level(u *user, res resource) int {
	if u == nil || u.deleted {
		return levelNone
	}
	if u.admin {
		return levelOwner
	}
	return db.memberLevel(u.id, res)
}

// memberLevel is the role from memberships: the resource's own, or one
// inherited from a parent group, whichever is higher.
func (db *store) memberLevel(userID int64, res resource) int {
	best := db.members[res.key()][userID]
	var groupID int64
	if res.kind == "project" {
		groupID = db.projects[res.id].groupID
	} else {
		groupID = db.groups[res.id].parentID
	}
	for groupID != 0 {
		g := db.groups[groupID]
		best = max(best, db.members["groups/"+strconv.FormatInt(g.id, 10)][userID])
		groupID = g.parentID
	}
	return best
}

// canSee is GitLab's read_project / read_group on a private resource: any
// membership, direct or inherited.
func (db *store) canSee(u *user, res resource) bool {
	return db.level(u, res) >= levelGuest
}

// contains reports whether res is group g or lies below it, which is what
// a group deploy token reaches.
func (db *store) contains(g resource, res resource) bool {
	if g.kind != "group" {
		return g == res
	}
	groupID := res.id
	if res.kind == "project" {
		groupID = db.projects[res.id].groupID
	}
	for groupID != 0 {
		if groupID == g.id {
			return true
		}
		groupID = db.groups[groupID].parentID
	}
	return false
}
