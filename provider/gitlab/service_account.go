package gitlab

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	gitlab "gitlab.com/gitlab-org/api/client-go/v2"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/internal/apiclient"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// TokenTypeServiceAccount is a personal access token of one GitLab service
// account: the role's path names the top-level group that owns the account
// (empty for an instance service account) and service_account its
// username. No user is created per token.
//
// What this follows, from GitLab's "Service accounts API" documentation
// (doc/api/service_accounts.md) and its implementation
// (ee/lib/api/group_service_accounts.rb, ee/app/policies/ee/group_policy.rb):
//
//   - group service accounts belong to a top-level group. Every call under
//     /groups/:id/service_accounts needs the Owner role on the group (or an
//     administrator), else 403. Creating and deleting an account also needs
//     a group without a parent and, on GitLab Self-Managed and Dedicated, an
//     administrator unless the admin setting "Allow top-level group owners
//     to create service accounts" is on (it always is on GitLab.com); a
//     refused create answers 400. GitLab 18.11 allows service accounts in
//     subgroups too, so a subgroup path is not refused here: GitLab decides,
//     and the error says what to do;
//   - the endpoints and the releases that brought them: create an account
//     POST /groups/:id/service_accounts (16.1; username and name 16.10),
//     list GET /groups/:id/service_accounts (17.1), delete DELETE
//     /groups/:id/service_accounts/:user_id (17.1), create a token POST
//     …/:user_id/personal_access_tokens (16.1; name, description, scopes,
//     expires_at), list its tokens GET …/personal_access_tokens (17.11;
//     state, search), revoke one DELETE …/personal_access_tokens/:token_id
//     (17.11), rotate POST …/:token_id/rotate (16.1, not used: the engine
//     issues new tokens instead). The engine needs listing and revoking, so
//     it asks for GitLab 17.11 or later (minServiceAccountVersion);
//   - instance service accounts (Self-Managed and Dedicated only, and
//     administrators only): GET and POST /service_accounts (list 17.1,
//     create 16.1); their tokens go through the personal access tokens API
//     as for token_type personal (POST /users/:id/personal_access_tokens,
//     DELETE /personal_access_tokens/:id, GET /personal_access_tokens
//     ?user_id=), and an administrator deletes one with DELETE /users/:id;
//   - the tokens are personal access tokens of the account: expires_at is a
//     date, at most 365 days ahead (the instance maximum when omitted), so
//     they get the same date rounding and TTL cap as access tokens
//     (expiry.go); a holder with api may rotate one itself, so its
//     successors are revoked with it (successors.go), and self_rotate is
//     refused as for every role (scopes.go);
//   - deleting an account deletes its tokens; GitLab does it in a
//     background job after answering 204.
//
// client-go v2.64.0 has every call used here (GroupsService's
// …ServiceAccount… methods, UsersService.ListServiceAccounts,
// CreateServiceAccountUser and DeleteUser).
const TokenTypeServiceAccount = "service_account"

// minServiceAccountVersion is the first GitLab release that lists and
// revokes a group service account's tokens, which revocation and reclaim
// need: without them a lease could end with its token alive.
var minServiceAccountVersion = [2]int{17, 11}

// ServiceAccount is one GitLab service account the engine issues tokens of.
type ServiceAccount struct {
	// GroupID is the top-level group that owns the account; 0 for an
	// instance service account.
	GroupID  int64
	ID       int64
	Username string
	// Created is true when EnsureServiceAccount made the account.
	Created bool
}

// tokenParent is where the account's tokens live, as a Handle's Parent:
// "groups/7/service_accounts/57", or "users/57" for an instance account,
// whose tokens are managed like any user's.
func (a ServiceAccount) tokenParent() string {
	if a.GroupID == 0 {
		return "users/" + strconv.FormatInt(a.ID, 10)
	}
	return fmt.Sprintf("groups/%d/service_accounts/%d", a.GroupID, a.ID)
}

// parseServiceAccountParent reads tokenParent back.
func parseServiceAccountParent(s string) (ServiceAccount, error) {
	parts := strings.Split(s, "/")
	number := func(p string) int64 {
		n, err := strconv.ParseInt(p, 10, 64)
		if err != nil || n <= 0 || p[0] == '0' {
			return 0
		}
		return n
	}
	switch {
	case len(parts) == 2 && parts[0] == "users" && number(parts[1]) > 0:
		return ServiceAccount{ID: number(parts[1])}, nil
	case len(parts) == 4 && parts[0] == "groups" && parts[2] == "service_accounts" && number(parts[1]) > 0 && number(parts[3]) > 0:
		return ServiceAccount{GroupID: number(parts[1]), ID: number(parts[3])}, nil
	}
	return ServiceAccount{}, fmt.Errorf("gitlab: token handle has no valid service account parent (%q)", s)
}

// checkServiceAccount checks a role's group path ("" for an instance
// account) and account username locally.
func checkServiceAccount(group, username string) error {
	if strings.Contains(group+username, "{{") {
		return errors.New("service_account roles take no identity templates: the role write finds or creates the one account all its tokens belong to")
	}
	if group != "" {
		if err := checkResourcePath(group); err != nil {
			return err
		}
	}
	if username == "" {
		return errors.New("service_account is required: the username of the GitLab service account whose tokens the role issues")
	}
	if err := checkSegment(username); err != nil {
		return fmt.Errorf("service_account %q is not a GitLab username: %w", username, err)
	}
	return nil
}

// EnsureServiceAccount finds the service account username of group (""
// for an instance account) and creates it, named name, when it does not
// exist; Created says which. It is FindServiceAccount then, on a
// provider.ErrNotFound, CreateServiceAccount; a caller that must survive a
// lost answer to the create (and remember that it made the account) calls
// the two itself with a write-ahead log entry between them.
func (c *client) EnsureServiceAccount(ctx context.Context, group, username, name string) (ServiceAccount, error) {
	a, err := c.FindServiceAccount(ctx, group, username)
	if err == nil || !isNotFoundError(err) {
		return a, err
	}
	return c.CreateServiceAccount(ctx, group, username, name)
}

// FindServiceAccount looks the account up, for a role write: it checks the
// input locally and the GitLab version, then lists the group's (or the
// instance's) service accounts. An account that does not exist is a
// provider.ErrNotFound error with no Status.
func (c *client) FindServiceAccount(ctx context.Context, group, username string) (ServiceAccount, error) {
	if err := checkServiceAccount(group, username); err != nil {
		return ServiceAccount{}, invalid(err)
	}
	if err := c.checkServiceAccountVersion(ctx); err != nil {
		return ServiceAccount{}, err
	}
	g, err := c.serviceAccountGroup(ctx, group)
	if err != nil {
		return ServiceAccount{}, err
	}
	return c.findServiceAccount(ctx, g, username)
}

// CreateServiceAccount makes the account (Created true). The create is
// never retried after an answer that may have been lost: such a failure
// is an error without a provider Status, and because usernames are unique
// on the instance, FindServiceAccount afterwards finds the account if
// GitLab did make it.
func (c *client) CreateServiceAccount(ctx context.Context, group, username, name string) (ServiceAccount, error) {
	if err := checkServiceAccount(group, username); err != nil {
		return ServiceAccount{}, invalid(err)
	}
	g, err := c.serviceAccountGroup(ctx, group)
	if err != nil {
		return ServiceAccount{}, err
	}
	return c.createServiceAccount(ctx, g, username, name)
}

// saGroup is the group a service account belongs to; zero for the
// instance.
type saGroup struct {
	path     string // as the role names it
	id       int64
	parentID int64
	fullPath string
}

func (g saGroup) instance() bool { return g.id == 0 }

func (g saGroup) String() string {
	if g.instance() {
		return "the instance"
	}
	return fmt.Sprintf("group %q", g.path)
}

// serviceAccountGroup looks the role's group up (its numeric id, which the
// handles keep, and whether it has a parent, for a clearer error).
func (c *client) serviceAccountGroup(ctx context.Context, path string) (saGroup, error) {
	if path == "" {
		return saGroup{}, nil
	}
	opt := &gitlab.GetGroupOptions{WithProjects: gitlab.Ptr(false)}
	g, resp, err := c.api.Groups.GetGroup(path, opt, gitlab.WithContext(ctx))
	if err != nil {
		return saGroup{}, c.fail(fmt.Sprintf("find group %q", path), resp, err)
	}
	return saGroup{path: path, id: g.ID, parentID: g.ParentID, fullPath: g.FullPath}, nil
}

// findServiceAccount lists the group's (or the instance's) service accounts
// and returns the one named username, matched case-insensitively as GitLab
// matches usernames; a notFound error when there is none.
func (c *client) findServiceAccount(ctx context.Context, g saGroup, username string) (ServiceAccount, error) {
	opt := &gitlab.ListServiceAccountsOptions{ListOptions: gitlab.ListOptions{PerPage: 100}}
	for page := int64(1); page > 0; {
		opt.Page = page
		var resp *gitlab.Response
		var err error
		var found ServiceAccount
		if g.instance() {
			var accounts []*gitlab.ServiceAccount
			accounts, resp, err = c.api.Users.ListServiceAccounts(opt, gitlab.WithContext(ctx))
			for _, a := range accounts {
				if a != nil && a.ID > 0 && strings.EqualFold(a.Username, username) {
					found = ServiceAccount{ID: a.ID, Username: a.Username}
				}
			}
		} else {
			var accounts []*gitlab.GroupServiceAccount
			accounts, resp, err = c.api.Groups.ListServiceAccounts(g.id, opt, gitlab.WithContext(ctx))
			for _, a := range accounts {
				if a != nil && a.ID > 0 && strings.EqualFold(a.UserName, username) {
					found = ServiceAccount{GroupID: g.id, ID: a.ID, Username: a.UserName}
				}
			}
		}
		if err != nil {
			return ServiceAccount{}, c.saFail(fmt.Sprintf("list the service accounts of %s", g), g, resp, err)
		}
		if found.ID > 0 {
			return found, nil
		}
		page = resp.NextPage
	}
	return ServiceAccount{}, notFound(fmt.Sprintf("gitlab: %s has no service account %q", g, username))
}

// createServiceAccount makes the account: POST /groups/:id/service_accounts
// or, for the instance, POST /service_accounts.
func (c *client) createServiceAccount(ctx context.Context, g saGroup, username, name string) (ServiceAccount, error) {
	var displayName *string
	if name != "" {
		displayName = gitlab.Ptr(apiclient.Truncate(name, maxLabel))
	}
	var a ServiceAccount
	var resp *gitlab.Response
	var err error
	if g.instance() {
		var u *gitlab.User
		u, resp, err = c.api.Users.CreateServiceAccountUser(&gitlab.CreateServiceAccountUserOptions{
			Name: displayName, Username: &username,
		}, gitlab.WithContext(ctx))
		if err == nil {
			a = ServiceAccount{ID: u.ID, Username: u.Username}
		}
	} else {
		var sa *gitlab.GroupServiceAccount
		sa, resp, err = c.api.Groups.CreateServiceAccount(g.id, &gitlab.CreateServiceAccountOptions{
			Name: displayName, Username: &username,
		}, gitlab.WithContext(ctx))
		if err == nil {
			a = ServiceAccount{GroupID: g.id, ID: sa.ID, Username: sa.UserName}
		}
	}
	if err != nil {
		return ServiceAccount{}, c.saFail(fmt.Sprintf("create service account %q in %s", username, g), g, resp, err)
	}
	if a.ID <= 0 || !strings.EqualFold(a.Username, username) {
		return ServiceAccount{}, &provider.Error{Message: fmt.Sprintf(
			"gitlab: create service account %q in %s: GitLab's answer names account %d %q instead", username, g, a.ID, a.Username)}
	}
	a.Created = true
	c.log.Info("created a GitLab service account", "group", g.path, "username", a.Username, "user_id", a.ID)
	return a, nil
}

// DeleteUnusedServiceAccount deletes a, but only while it has no active
// token at GitLab: live says how many it has, and nothing is deleted when
// it is not zero. The caller (a role delete) must also hold back while its
// own leases of the account are outstanding, and must call this only for
// an account the engine created. An account already gone is deleted.
//
//	group:    DELETE /groups/:id/service_accounts/:user_id (contributions
//	          go to GitLab's ghost user, hard_delete is not asked for)
//	instance: DELETE /users/:id
func (c *client) DeleteUnusedServiceAccount(ctx context.Context, a ServiceAccount) (live int, err error) {
	if a.ID <= 0 {
		return 0, errors.New("gitlab: delete a service account: no account id")
	}
	ids, err := c.serviceAccountTokens(ctx, a, "")
	if isNotFoundError(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if len(ids) > 0 {
		return len(ids), nil
	}
	var resp *gitlab.Response
	if a.GroupID == 0 {
		resp, err = c.api.Users.DeleteUser(a.ID, gitlab.WithContext(ctx))
	} else {
		resp, err = c.api.Groups.DeleteServiceAccount(a.GroupID, a.ID, &gitlab.DeleteServiceAccountOptions{}, gitlab.WithContext(ctx))
	}
	if err != nil && !isNotFound(resp, err) {
		g := saGroup{id: a.GroupID, path: strconv.FormatInt(a.GroupID, 10)}
		return 0, c.saFail(fmt.Sprintf("delete service account %d of %s", a.ID, g), g, resp, err)
	}
	c.log.Info("deleted a GitLab service account the engine had created", "group_id", a.GroupID, "user_id", a.ID)
	return 0, nil
}

// checkServiceAccountVersion refuses GitLab releases without the token
// list and revoke endpoints of group service accounts.
func (c *client) checkServiceAccountVersion(ctx context.Context) error {
	v, resp, err := c.api.Version.GetVersion(gitlab.WithContext(ctx))
	if err != nil {
		return c.fail("read the GitLab version", resp, err)
	}
	if major, minor, ok := majorMinor(v.Version); ok && !versionAtLeast(major, minor, minServiceAccountVersion) {
		return &provider.Error{Kind: provider.ErrInvalidRequest, Message: fmt.Sprintf(
			"gitlab: service_account roles need GitLab %d.%d or later (to list and revoke a service account's tokens); this instance runs %s",
			minServiceAccountVersion[0], minServiceAccountVersion[1], v.Version)}
	}
	return nil
}

// majorMinor reads "18.5.1-ee" as 18, 5.
func majorMinor(v string) (int, int, bool) {
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return 0, 0, false
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(strings.TrimRightFunc(parts[1], func(r rune) bool { return r < '0' || r > '9' }))
	return major, minor, err1 == nil && err2 == nil
}

func versionAtLeast(major, minor int, want [2]int) bool {
	return major > want[0] || (major == want[0] && minor >= want[1])
}

// saFail is fail with what to do about GitLab's usual refusals of
// service-account calls.
func (c *client) saFail(action string, g saGroup, resp *gitlab.Response, err error) error {
	failure := c.fail(action, resp, err)
	var pe *provider.Error
	if !errors.As(failure, &pe) {
		return failure
	}
	switch {
	case g.instance() && (pe.Status == 403 || pe.Status == 404):
		pe.Message += "; instance service accounts exist only on GitLab Self-Managed and Dedicated and need an administrator's token; on GitLab.com, set path to the top-level group that owns the account"
	case pe.Status == 403:
		pe.Message += fmt.Sprintf("; the connection's user needs the Owner role on %s (or to be an administrator) to manage its service accounts", g)
	case pe.Status == 400 && g.parentID != 0:
		top, _, _ := strings.Cut(g.fullPath, "/")
		pe.Message += fmt.Sprintf("; %s is a subgroup: before GitLab 18.11 service accounts belong to top-level groups, so set path to %q", g, top)
	case pe.Status == 400 && strings.Contains(pe.Message, "permission"):
		pe.Message += fmt.Sprintf("; on GitLab Self-Managed an administrator creates %s's service accounts unless the setting \"Allow top-level group owners to create service accounts\" is on", g)
	}
	return failure
}
