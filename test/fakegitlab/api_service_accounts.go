package fakegitlab

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Service accounts: GitLab's "Service accounts API" (doc/api/service_accounts.md)
// and its implementation, ee/lib/api/group_service_accounts.rb,
// ee/lib/api/service_accounts.rb and the group policy (ee/app/policies/
// ee/group_policy.rb). A service account is a user of type service_account,
// which GitLab counts among its bot user types (the user JSON says
// "bot": true); its tokens are ordinary personal access tokens, so
// /personal_access_tokens/self, self-rotation and Git/registry logins treat
// them like any other.
//
// Group service accounts belong to the top-level group that provisioned
// them (users.provisioned_by_group_id):
//
//   - every endpoint under /groups/:id/service_accounts first checks
//     admin_service_accounts on the group: an administrator, or the Owner
//     role (direct or inherited). Anyone else gets 403; a group the caller
//     cannot see is 404;
//   - creating and deleting an account also needs create_ and
//     delete_service_account, which GitLab grants only on a group without a
//     parent, to an administrator or, when the admin setting "Allow
//     top-level group owners to create service accounts" is on (always on
//     GitLab.com, off by default on Self-Managed:
//     Options.OwnersCannotCreateServiceAccounts), to an Owner. A refused
//     create answers 400 with the service's message (bad_request!). GitLab
//     18.11 added service accounts in subgroups and projects; the fake
//     models the releases before it (its default version is 18.5);
//   - the account-level endpoints look the account up among the group's
//     provisioned users: an account of another group, or a subgroup's path,
//     is "404 User Not Found"; a provisioned user that is not a service
//     account is 400;
//   - tokens: list (17.11, a 404 before; filters state, revoked and search, a
//     case-insensitive substring of the name), create (16.1; name and
//     scopes required, expires_at a date, at most 365 days ahead, the
//     maximum when omitted), revoke (17.11, likewise; 204, or 404 for a token that is
//     not the account's) and rotate (16.1; as RotateService: the old token
//     revoked at once, the successor one week when expires_at is omitted).
//
// Instance service accounts (GitLab Self-Managed and Dedicated) are for
// administrators only: GET and POST /service_accounts. Their tokens are
// made and revoked through the personal access tokens API as an
// administrator (POST /users/:id/personal_access_tokens, DELETE
// /personal_access_tokens/:id), which the fake already serves. An
// administrator deletes one with DELETE /users/:id.
//
// Deleting an account (either way) deletes its tokens with it. GitLab
// deletes users in a background job after answering 204; the fake does it
// before answering.
//
// Differences from GitLab, each noted where it is made: a refused delete
// answers 403 (GitLab's exact answer could not be confirmed); a token
// already revoked answers 404 to a second revoke, as the fake's personal
// token revoke does; usernames are checked for uniqueness only.

func serviceAccountEndpoints() []endpoint {
	const group = "/groups/{id}/service_accounts"
	return []endpoint{
		{"GET", "/service_accounts", apiScopes, listInstanceServiceAccounts},
		{"POST", "/service_accounts", apiScopes, createInstanceServiceAccount},
		{"DELETE", "/users/{user_id}", apiScopes, deleteUser},

		{"GET", group, apiScopes, listGroupServiceAccounts},
		{"POST", group, apiScopes, createGroupServiceAccount},
		{"DELETE", group + "/{user_id}", apiScopes, deleteGroupServiceAccount},
		{"GET", group + "/{user_id}/personal_access_tokens", apiScopes, since(17, 11, listServiceAccountTokens)},
		{"POST", group + "/{user_id}/personal_access_tokens", apiScopes, createServiceAccountToken},
		{"DELETE", group + "/{user_id}/personal_access_tokens/{token_id}", apiScopes, since(17, 11, revokeServiceAccountToken)},
		{"POST", group + "/{user_id}/personal_access_tokens/{token_id}/rotate", apiScopes, rotateServiceAccountToken},
	}
}

// since answers as an unknown route (Grape's "404 Not Found") on a GitLab
// older than major.minor (Options.Version), which did not have the
// endpoint: a client that takes that 404 for "token already gone" leaks
// the token.
func since(major, minor int, h func(*call) reply) func(*call) reply {
	return func(c *call) reply {
		var have [2]int
		if n, _ := fmt.Sscanf(c.s.version, "%d.%d", &have[0], &have[1]); n == 2 &&
			(have[0] < major || (have[0] == major && have[1] < minor)) {
			return notFound("")
		}
		return h(c)
	}
}

// serviceAccountEntity is Entities::ServiceAccount.
type serviceAccountEntity struct {
	ID       int64  `json:"id"`
	Username string `json:"username"`
	Name     string `json:"name"`
	Email    string `json:"email"`
}

func (c *call) serviceAccountEntity(u *user) serviceAccountEntity {
	return serviceAccountEntity{ID: u.id, Username: u.username, Name: u.name, Email: u.username + "@noreply." + c.r.Host}
}

// AddServiceAccount seeds a service account provisioned by the top-level
// group groupPath ("" for an instance account) and returns its id.
func (s *Server) AddServiceAccount(groupPath, username string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	var groupID int64
	if groupPath != "" {
		g := s.db.groupByPath(groupPath)
		if g == nil {
			panic(fmt.Sprintf("fakegitlab: no group %q", groupPath))
		}
		groupID = g.id
	}
	if s.db.nameTaken(username) {
		panic(fmt.Sprintf("fakegitlab: username %q is taken", username))
	}
	return s.db.addServiceAccount(username, "Service account user", groupID, s.now()).id
}

// ServiceAccount reports whether a service account of that username
// exists, and its id.
func (s *Server) ServiceAccount(username string) (int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.db.userByName(username)
	if u == nil || !u.serviceAccount {
		return 0, false
	}
	return u.id, true
}

// --- instance service accounts ---

func listInstanceServiceAccounts(c *call) reply {
	if !c.user.admin {
		return forbidden()
	}
	var out []serviceAccountEntity
	for _, u := range c.s.db.serviceAccounts(0) {
		out = append(out, c.serviceAccountEntity(u))
	}
	return paginate(c, out)
}

func createInstanceServiceAccount(c *call) reply {
	if !c.user.admin {
		return forbidden()
	}
	return c.createServiceAccount(0, "service_account")
}

// deleteUser serves DELETE /users/:id, for administrators only.
func deleteUser(c *call) reply {
	if !c.user.admin {
		return forbidden()
	}
	id, err := strconv.ParseInt(c.r.PathValue("user_id"), 10, 64)
	u := c.s.db.liveUser(id)
	if err != nil || u == nil {
		return notFound("User")
	}
	c.s.db.deleteUser(u)
	return noContent()
}

// --- group service accounts ---

// serviceAccountGroup resolves the path's group and checks
// admin_service_accounts on it.
func (c *call) serviceAccountGroup() (*group, reply, bool) {
	res, rep, ok := c.visibleResource("group")
	if !ok {
		return nil, rep, false
	}
	if c.s.db.level(c.user, res) < levelOwner {
		return nil, forbidden(), false
	}
	return c.s.db.groups[res.id], reply{}, true
}

// mayProvision is create_ and delete_service_account on g.
func (c *call) mayProvision(g *group) bool {
	if g.parentID != 0 {
		return false
	}
	return c.user.admin || c.s.ownersCreateServiceAccounts
}

// groupServiceAccount is validate_service_account_user: the path's
// user_id among the group's provisioned users.
// groupAndServiceAccount is the group of the path and its service account
// user_id, or the answer GitLab gives when either is not there.
func (c *call) groupAndServiceAccount() (*group, *user, reply, bool) {
	g, rep, ok := c.serviceAccountGroup()
	if !ok {
		return nil, nil, rep, false
	}
	u, rep, ok := c.groupServiceAccount(g)
	return g, u, rep, ok
}

func (c *call) groupServiceAccount(g *group) (*user, reply, bool) {
	id, err := strconv.ParseInt(c.r.PathValue("user_id"), 10, 64)
	u := c.s.db.liveUser(id)
	if err != nil || u == nil || u.provisionedBy != g.id {
		return nil, notFound("User"), false
	}
	if !u.serviceAccount {
		return nil, badRequest("User is not of type Service Account"), false
	}
	return u, reply{}, true
}

func listGroupServiceAccounts(c *call) reply {
	g, rep, ok := c.serviceAccountGroup()
	if !ok {
		return rep
	}
	var out []serviceAccountEntity
	for _, u := range c.s.db.serviceAccounts(g.id) {
		out = append(out, c.serviceAccountEntity(u))
	}
	return paginate(c, out)
}

func createGroupServiceAccount(c *call) reply {
	g, rep, ok := c.serviceAccountGroup()
	if !ok {
		return rep
	}
	if !c.mayProvision(g) {
		return badRequest("User does not have permission to create a service account in this namespace.")
	}
	return c.createServiceAccount(g.id, "service_account_group_"+strconv.FormatInt(g.id, 10))
}

// createServiceAccount makes the account the request describes: name
// defaults to "Service account user", username to prefix_<32 hex>.
func (c *call) createServiceAccount(groupID int64, prefix string) reply {
	var v validation
	name := v.optionalString(c.params, "name")
	username := v.optionalString(c.params, "username")
	if v.failed() {
		return v.reply()
	}
	if name == "" {
		name = "Service account user"
	}
	if username == "" {
		suffix := make([]byte, 16)
		_, _ = rand.Read(suffix)
		username = prefix + "_" + hex.EncodeToString(suffix)
	}
	if c.s.db.nameTaken(username) {
		return badRequest("Username has already been taken")
	}
	u := c.s.db.addServiceAccount(username, name, groupID, c.s.now())
	return jsonReply(http.StatusCreated, c.serviceAccountEntity(u))
}

func deleteGroupServiceAccount(c *call) reply {
	g, u, rep, ok := c.groupAndServiceAccount()
	if !ok {
		return rep
	}
	if !c.mayProvision(g) {
		// Not confirmed against GitLab, whose delete service refuses
		// without saying how the API words it.
		return forbidden()
	}
	c.s.db.deleteUser(u)
	return noContent()
}

func listServiceAccountTokens(c *call) reply {
	_, u, rep, ok := c.groupAndServiceAccount()
	if !ok {
		return rep
	}
	state, _, _ := c.params.str("state")
	search, _, _ := c.params.str("search")
	revoked, hasRevoked, _ := c.params.str("revoked")
	now := c.s.now()
	var out []accessTokenEntity
	for _, t := range c.s.db.userTokens(u.id) {
		if !t.inState(state, now) {
			continue
		}
		if hasRevoked && strconv.FormatBool(t.revoked) != revoked {
			continue
		}
		if search != "" && !strings.Contains(strings.ToLower(t.Name), strings.ToLower(search)) {
			continue
		}
		out = append(out, c.accessTokenEntity(t, 0))
	}
	return paginate(c, out)
}

func createServiceAccountToken(c *call) reply {
	g, rep, ok := c.serviceAccountGroup()
	if !ok {
		return rep
	}
	var v validation
	req := v.newPersonalToken(c.params)
	if v.failed() {
		return v.reply()
	}
	u, rep, ok := c.groupServiceAccount(g)
	if !ok {
		return rep
	}
	t, msgs := c.addPersonalToken(u, req)
	if len(msgs) > 0 {
		// render_api_error!(message, :unprocessable_entity)
		return messageReply(http.StatusUnprocessableEntity, toSentence(msgs))
	}
	return jsonReply(http.StatusCreated, c.accessTokenEntity(t, withToken))
}

func revokeServiceAccountToken(c *call) reply {
	_, u, rep, ok := c.groupAndServiceAccount()
	if !ok {
		return rep
	}
	t := c.s.db.userToken(u.id, c.r.PathValue("token_id"))
	if t == nil || t.revoked {
		return notFound("Personal Access Token")
	}
	t.revoked = true
	return noContent()
}

func rotateServiceAccountToken(c *call) reply {
	g, rep, ok := c.serviceAccountGroup()
	if !ok {
		return rep
	}
	var v validation
	expires, hasExpiry := v.optionalDate(c.params, "expires_at")
	if v.failed() {
		return v.reply()
	}
	u, rep, ok := c.groupServiceAccount(g)
	if !ok {
		return rep
	}
	t := c.s.db.userToken(u.id, c.r.PathValue("token_id"))
	if t == nil {
		return notFound("")
	}
	return c.rotate(t, rotation{expires: expires, hasExpiry: hasExpiry})
}

// --- store ---

func (db *store) addServiceAccount(username, name string, groupID int64, now time.Time) *user {
	u := &user{
		id:             db.newEntityID(),
		username:       username,
		name:           name,
		serviceAccount: true,
		provisionedBy:  groupID,
		createdAt:      now,
	}
	db.users[u.id] = u
	return u
}

// nameTaken: GitLab usernames share one namespace with group paths.
func (db *store) nameTaken(username string) bool {
	return db.userByName(username) != nil || db.groupByPath(username) != nil
}

// serviceAccounts lists the live service accounts groupID provisioned (0:
// the instance's), newest first as GitLab's default sort (id desc).
func (db *store) serviceAccounts(groupID int64) []*user {
	var out []*user
	for _, u := range db.sortedUsers() {
		if u.serviceAccount && u.provisionedBy == groupID {
			out = append(out, u)
		}
	}
	slices.Reverse(out)
	return out
}

// userTokens are a user's personal access tokens, revoked ones included.
func (db *store) userTokens(userID int64) []*tokenRecord {
	var out []*tokenRecord
	for _, t := range db.sortedTokens() {
		if t.UserID == userID && t.visibleAsPersonal() {
			out = append(out, t)
		}
	}
	return out
}

func (db *store) userToken(userID int64, tokenID string) *tokenRecord {
	if t := db.tokenByID(tokenID); t != nil && t.UserID == userID && t.visibleAsPersonal() {
		return t
	}
	return nil
}

// deleteUser removes a user and, with it, every token of theirs.
func (db *store) deleteUser(u *user) {
	u.deleted = true
	for _, t := range db.tokens {
		if t.UserID == u.id {
			t.revoked, t.deleted = true, true
		}
	}
	for _, m := range db.members {
		delete(m, u.id)
	}
}
