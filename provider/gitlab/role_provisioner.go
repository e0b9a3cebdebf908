package gitlab

import (
	"context"
	"fmt"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

// The client is a provider.RoleProvisioner: a service_account role's
// resource is its service account (service_account.go). Other token types
// have none.

var _ provider.RoleProvisioner = (*client)(nil)

// roleAccount is a service account as a role's provider.Resource keeps it
// (Resource.Data): the ids revocation and deletion need, and the names the
// role gave, for the id cache.
type roleAccount struct {
	Group    string `json:"group,omitempty"` // the role's path; "" for the instance
	GroupID  int64  `json:"group_id,omitempty"`
	ID       int64  `json:"id"`
	Username string `json:"username"`
}

// FindRoleResource implements provider.RoleProvisioner.
func (c *client) FindRoleResource(ctx context.Context, tokenType string, doc provider.Scope) (*provider.Resource, error) {
	if tokenType != TokenTypeServiceAccount {
		return nil, nil
	}
	s, err := scopeOf(doc)
	if err != nil {
		return nil, invalid(err)
	}
	a, err := c.FindServiceAccount(ctx, s.Path, s.ServiceAccount)
	if err != nil {
		return nil, err
	}
	return accountResource(s.Path, a), nil
}

// CreateRoleResource implements provider.RoleProvisioner: it creates the
// service account, named label, and warns that it is a member of nothing.
func (c *client) CreateRoleResource(ctx context.Context, tokenType string, doc provider.Scope, label string) (*provider.Resource, []string, error) {
	if tokenType != TokenTypeServiceAccount {
		return nil, nil, invalid(fmt.Errorf("%s tokens belong to no resource a role write creates", tokenType))
	}
	s, err := scopeOf(doc)
	if err != nil {
		return nil, nil, invalid(err)
	}
	a, err := c.CreateServiceAccount(ctx, s.Path, s.ServiceAccount, label)
	if err != nil {
		return nil, nil, err
	}
	r := accountResource(s.Path, a)
	return r, []string{fmt.Sprintf("created %s. It is a member of nothing yet, so its tokens reach only what any user may see: "+
		"add it to the projects and groups they should reach, with the lowest role that works (GitLab's members API). "+
		"Its memberships, not this role, bound what its tokens reach beyond their scopes", r.Name)}, nil
}

// DeleteRoleResource implements provider.RoleProvisioner with
// DeleteUnusedServiceAccount.
func (c *client) DeleteRoleResource(ctx context.Context, r provider.Resource) (int, error) {
	var ra roleAccount
	if err := r.Data.Decode(&ra); err != nil || ra.ID <= 0 {
		return 0, fmt.Errorf("gitlab: %s: the role's record of the service account is unreadable", r.Name)
	}
	kept, err := c.DeleteUnusedServiceAccount(ctx, ServiceAccount{GroupID: ra.GroupID, ID: ra.ID, Username: ra.Username})
	if err == nil && kept == 0 {
		c.ids.forget(serviceAccountKey(ra.Group, ra.Username))
	}
	return kept, err
}

// accountResource is a as a role's resource. Its Key is the account's
// token parent, which holds the numeric ids: unique on the instance.
func accountResource(group string, a ServiceAccount) *provider.Resource {
	name := fmt.Sprintf("GitLab service account %q (user id %d) of group %q", a.Username, a.ID, group)
	if a.GroupID == 0 {
		name = fmt.Sprintf("GitLab instance service account %q (user id %d)", a.Username, a.ID)
	}
	data := provider.Encode(roleAccount{Group: group, GroupID: a.GroupID, ID: a.ID, Username: a.Username})
	return &provider.Resource{Key: a.tokenParent(), Name: name, Created: a.Created, Data: data}
}
