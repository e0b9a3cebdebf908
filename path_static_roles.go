package gitsecrets

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/hashicorp/vault/sdk/framework"
	"github.com/hashicorp/vault/sdk/helper/locksutil"
	"github.com/hashicorp/vault/sdk/logical"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/provider"
)

func pathStaticRoles(b *backend) []*framework.Path {
	fields := b.scopeFieldSchemas()
	fields["name"] = &framework.FieldSchema{
		Type:        framework.TypeString,
		Description: "Name of the static role.",
		Required:    true,
	}
	fields["config"] = &framework.FieldSchema{
		Type:        framework.TypeString,
		Description: "Name of the " + b.staticKinds() + " connection (config/:name) the token is made through. Required.",
	}
	fields["token_type"] = &framework.FieldSchema{
		Type: framework.TypeString,
		Description: "Kind of token: " + b.eachKind(" ", func(k provider.Kind) string {
			if k.StaticRoleRefusal() != "" {
				return ""
			}
			return k.Help("token_type")
		}) + " Required.",
	}
	fields["rotation_period"] = &framework.FieldSchema{
		Type:        framework.TypeDurationSecond,
		Description: "How often the token is replaced, at least 1m. Give this or rotation_schedule.",
	}
	fields["rotation_schedule"] = &framework.FieldSchema{
		Type: framework.TypeString,
		Description: "When the token is replaced: a five-field cron expression (minute hour day-of-month month day-of-week) in UTC, " +
			"such as \"0 3 * * 1\". Give this or rotation_period.",
	}
	fields["rotation_window"] = &framework.FieldSchema{
		Type: framework.TypeDurationSecond,
		Description: "With rotation_schedule: how long after each scheduled time the rotation may still start (at least 1h). " +
			"A rotation that cannot start within it waits for the next scheduled time. Default: no limit.",
	}
	fields["grace_period"] = &framework.FieldSchema{
		Type: framework.TypeDurationSecond,
		Description: "How long the previous token keeps working after a rotation; then the engine revokes it. " +
			"Default 0: revoked at once. Give consumers time to re-read static-creds, such as a few minutes beyond their polling interval.",
	}
	return []*framework.Path{
		{
			Pattern: staticRoleStoragePrefix + nameRegex("name"),
			DisplayAttrs: &framework.DisplayAttributes{
				OperationPrefix: operationPrefix,
				OperationSuffix: "static-role",
			},
			Fields:         fields,
			ExistenceCheck: b.staticRoleExists,
			Operations: map[logical.Operation]framework.OperationHandler{
				logical.CreateOperation: &framework.PathOperation{
					Callback: b.pathStaticRoleWrite,
					// A write may create a token at the provider.
					ForwardPerformanceStandby:   true,
					ForwardPerformanceSecondary: true,
					DisplayAttrs:                &framework.DisplayAttributes{OperationVerb: "write"},
				},
				logical.UpdateOperation: &framework.PathOperation{
					Callback:                    b.pathStaticRoleWrite,
					ForwardPerformanceStandby:   true,
					ForwardPerformanceSecondary: true,
					DisplayAttrs:                &framework.DisplayAttributes{OperationVerb: "write"},
				},
				logical.ReadOperation: &framework.PathOperation{
					Callback:     b.pathStaticRoleRead,
					DisplayAttrs: &framework.DisplayAttributes{OperationVerb: "read"},
				},
				logical.DeleteOperation: &framework.PathOperation{
					Callback:                    b.pathStaticRoleDelete,
					ForwardPerformanceStandby:   true,
					ForwardPerformanceSecondary: true,
					DisplayAttrs:                &framework.DisplayAttributes{OperationVerb: "delete"},
				},
			},
			HelpSynopsis:    staticRoleHelpSyn,
			HelpDescription: b.help(staticRoleHelpDesc, "static-roles"),
		},
		{
			Pattern: staticRoleStoragePrefix + "?$",
			DisplayAttrs: &framework.DisplayAttributes{
				OperationPrefix: operationPrefix,
				OperationSuffix: "static-roles",
			},
			Operations: map[logical.Operation]framework.OperationHandler{
				logical.ListOperation: &framework.PathOperation{
					Callback:     b.pathStaticRoleList,
					DisplayAttrs: &framework.DisplayAttributes{OperationVerb: "list"},
				},
			},
			HelpSynopsis:    "List the static roles.",
			HelpDescription: "Lists the names of the static roles configured under static-roles/.",
		},
	}
}

func (b *backend) staticRoleExists(ctx context.Context, req *logical.Request, d *framework.FieldData) (bool, error) {
	r, err := getStaticRole(ctx, req.Storage, d.Get("name").(string))
	return r != nil, err
}

func (b *backend) pathStaticRoleWrite(ctx context.Context, req *logical.Request, d *framework.FieldData) (*logical.Response, error) {
	name := d.Get("name").(string)
	lock := locksutil.LockForKey(b.staticLocks, name)
	lock.Lock()
	defer lock.Unlock()

	existing, err := getStaticRole(ctx, req.Storage, name)
	if err != nil {
		return nil, err
	}
	if msg := newNameProblem(name); existing == nil && msg != "" {
		return logical.ErrorResponse(msg), nil
	}
	r := &staticRole{Name: name}
	if existing != nil {
		// A scope is never changed in place, so the copy may share it.
		c := *existing
		r = &c
	}
	// As for creds (pathCredsIssue): the connection must not change or go
	// between reading it and storing the role that holds its new token.
	configName := r.Config
	if v, ok := d.GetOk("config"); ok {
		configName = strings.TrimSpace(v.(string))
	}
	configLock := locksutil.LockForKey(b.configLocks, configName)
	configLock.RLock()
	defer configLock.RUnlock()
	conn, kind, msg, err := b.applyStaticRoleFields(ctx, req.Storage, r, d)
	if err != nil {
		return nil, err
	}
	if msg != "" {
		return logical.ErrorResponse(msg), nil
	}
	now := b.now()
	if limit := kind.MaxTTL(r.TokenType); limit > 0 && r.lifetimeNeeded(now) > limit {
		return logical.ErrorResponse("each token must outlive its rotation, window and grace_period plus %s (%s in all), "+
			"longer than %s lets a %s token live (%s); rotate more often or shorten grace_period",
			staticExpiryMargin, r.lifetimeNeeded(now), kind.DisplayName(), r.TokenType, limit), nil
	}
	r.Mount = req.MountPoint

	if existing == nil || existing.Rotation != r.Rotation {
		r.State.schedule(r.Rotation, now)
	}
	if b.needsNewStaticToken(existing, r) {
		rotated, err := b.rotateStaticToken(ctx, req.Storage, r, conn, now)
		if err != nil {
			return providerErrorResponse(err)
		}
		r = rotated
	} else if err := putStaticRole(ctx, req.Storage, r); err != nil {
		return nil, err
	}
	b.queue.set(queueKeyStaticRole+name, r.wake())

	var resp *logical.Response
	if gap := r.Rotation.longestGap(now); r.GracePeriod >= gap {
		resp = &logical.Response{}
		resp.AddWarning(fmt.Sprintf("grace_period (%s) is not shorter than the time between rotations (%s): several old tokens will work at once", r.GracePeriod, gap))
	}
	return addHolderWarnings(resp, kind, r.TokenType, r.Scope), nil
}

// applyStaticRoleFields reads the request onto r and checks it locally. It
// returns the role's connection and provider, or a message for the operator.
func (b *backend) applyStaticRoleFields(ctx context.Context, s logical.Storage, r *staticRole, d *framework.FieldData) (*connection, provider.Kind, string, error) {
	if v, ok := d.GetOk("config"); ok {
		r.Config = strings.TrimSpace(v.(string))
	}
	if r.Config == "" {
		return nil, nil, fmt.Sprintf("config is required: the name of a %s connection under config/", b.staticKinds()), nil
	}
	conn, err := b.connection(ctx, s, r.Config)
	if err == nil && conn == nil {
		err = errNoConnection{r.Config}
	}
	if isNoConnection(err) {
		return nil, nil, err.Error(), nil
	}
	if err != nil {
		return nil, nil, "", err
	}
	kind, err := b.kind(conn.Provider)
	if err != nil {
		return nil, nil, err.Error(), nil
	}
	if why := kind.StaticRoleRefusal(); why != "" {
		return nil, nil, fmt.Sprintf("static roles hold %s tokens; connection %q is %s, %s",
			b.staticKinds(), r.Config, conn.Provider, why), nil
	}
	r.Provider = conn.Provider
	if v, ok := d.GetOk("token_type"); ok {
		r.TokenType = strings.ToLower(strings.TrimSpace(v.(string)))
	}
	if types := kind.TokenTypes(); !slices.Contains(types, r.TokenType) {
		return nil, nil, fmt.Sprintf("token_type is required and must be one of %s (got %q)", strings.Join(types, ", "), r.TokenType), nil
	}
	if err := b.scopeFromRequest(d, kind, &r.Scope); err != nil {
		return nil, nil, err.Error(), nil
	}
	if err := refuseTemplates(kind, &r.Scope); err != nil {
		return nil, nil, err.Error(), nil
	}
	if err := kind.ValidateScope(r.TokenType, &r.Scope); err != nil {
		return nil, nil, err.Error(), nil
	}
	if msg := applyStaticSchedule(r, d); msg != "" {
		return nil, nil, msg, nil
	}
	return conn, kind, "", nil
}

// applyStaticSchedule reads rotation_period, rotation_schedule,
// rotation_window and grace_period. Setting a period drops a stored
// schedule and window, and the other way round.
func applyStaticSchedule(r *staticRole, d *framework.FieldData) string {
	period, periodSet, err := durationField(d, "rotation_period")
	if err != nil {
		return err.Error()
	}
	schedule, scheduleSet := d.GetOk("rotation_schedule")
	if periodSet && scheduleSet && period != 0 && strings.TrimSpace(schedule.(string)) != "" {
		return "rotation_period and rotation_schedule are mutually exclusive; give one"
	}
	if periodSet {
		r.Rotation.Period = period
		if period != 0 {
			r.Rotation.Schedule, r.Rotation.Window = "", 0
		}
	}
	if scheduleSet {
		r.Rotation.Schedule = strings.TrimSpace(schedule.(string))
		if r.Rotation.Schedule != "" {
			r.Rotation.Period = 0
		}
	}
	window, windowSet, err := durationField(d, "rotation_window")
	if err != nil {
		return err.Error()
	}
	if windowSet {
		r.Rotation.Window = window
	}
	if msg := r.Rotation.validate(); msg != "" {
		return msg
	}
	if !r.Rotation.enabled() {
		return "rotation_period or rotation_schedule is required"
	}
	grace, graceSet, err := durationField(d, "grace_period")
	if err != nil {
		return err.Error()
	}
	if grace > maxRotationSpan {
		return fmt.Sprintf("grace_period must be at most %s", maxRotationSpan)
	}
	if graceSet {
		r.GracePeriod = grace
	}
	return ""
}

// needsNewStaticToken: a new role, a token that no longer matches the role,
// or one whose expiry does not reach the new schedule's next rotation plus
// grace, is replaced at once.
func (b *backend) needsNewStaticToken(existing, r *staticRole) bool {
	if existing == nil || existing.Current == nil {
		return true
	}
	if existing.Config != r.Config || existing.TokenType != r.TokenType || !reflect.DeepEqual(existing.Scope, r.Scope) {
		return true
	}
	exp := existing.Current.ExpiresAt
	return !exp.IsZero() && exp.Before(r.State.Next.Add(r.Rotation.Window+r.GracePeriod))
}

func (b *backend) pathStaticRoleRead(ctx context.Context, req *logical.Request, d *framework.FieldData) (*logical.Response, error) {
	r, err := getStaticRole(ctx, req.Storage, d.Get("name").(string))
	if err != nil || r == nil {
		return nil, err
	}
	data := map[string]any{
		"config":       r.Config,
		"token_type":   r.TokenType,
		"grace_period": int64(r.GracePeriod.Seconds()),
	}
	b.addScopeData(data, r.Provider, r.Scope)
	addRotationSpecData(data, r.Rotation)
	rotationStateData(data, r.State)
	if r.Current != nil {
		data["token_id"] = r.Current.Handle.ID
		data["expires_at"] = timeOrNil(r.Current.ExpiresAt)
	}
	previous := make([]map[string]any, 0, len(r.Previous))
	for _, t := range r.Previous {
		previous = append(previous, map[string]any{"token_id": t.Handle.ID, "revoke_after": timeOrNil(t.RevokeAfter)})
	}
	data["previous_tokens"] = previous
	return &logical.Response{Data: data}, nil
}

// addRotationSpecData shows a static role's schedule the way Vault's
// database engine does: rotation_period, or rotation_schedule with
// rotation_window when one is set. Vault Agent re-reads a secret without a
// lease after ttl when rotation_period is present.
func addRotationSpecData(data map[string]any, sp rotationSpec) {
	if sp.Period > 0 {
		data["rotation_period"] = int64(sp.Period.Seconds())
		return
	}
	data["rotation_schedule"] = sp.Schedule
	if sp.Window > 0 {
		data["rotation_window"] = int64(sp.Window.Seconds())
	}
}

func (b *backend) pathStaticRoleDelete(ctx context.Context, req *logical.Request, d *framework.FieldData) (*logical.Response, error) {
	name := d.Get("name").(string)
	lock := locksutil.LockForKey(b.staticLocks, name)
	lock.Lock()
	defer lock.Unlock()
	r, err := getStaticRole(ctx, req.Storage, name)
	if err != nil || r == nil {
		return nil, err
	}
	current, previous, err := b.revokeStaticTokens(ctx, req.Storage, r)
	if err != nil {
		// Keep what is left, so the next delete revokes only that.
		r.Current, r.Previous = current, previous
		if perr := putStaticRole(ctx, req.Storage, r); perr != nil {
			b.Logger().Warn("could not record the tokens a static role delete revoked", "static_role", name, "error", perr)
		}
		return nil, fmt.Errorf("revoke the static role's tokens (delete it again to retry): %w", err)
	}
	if err := req.Storage.Delete(ctx, staticRoleStoragePrefix+name); err != nil {
		return nil, fmt.Errorf("delete static role: %w", err)
	}
	b.queue.remove(queueKeyStaticRole + name)
	return nil, nil
}

func (b *backend) pathStaticRoleList(ctx context.Context, req *logical.Request, _ *framework.FieldData) (*logical.Response, error) {
	names, err := req.Storage.List(ctx, staticRoleStoragePrefix)
	if err != nil {
		return nil, err
	}
	return logical.ListResponse(names), nil
}

// staticTTL is the ttl static-creds reports: seconds until the engine next
// replaces the token, never negative.
func staticTTL(r *staticRole, now time.Time) int64 {
	return max(int64(r.State.wake().Sub(now).Seconds()), 0)
}

const staticRoleHelpSyn = "Manage long-lived tokens that the engine rotates on a schedule."

const staticRoleHelpDesc = `
A static role holds one long-lived token for consumers that cannot fetch a
new token each time, such as a CD platform that pulls images. The token is
made when the role is written and replaced on the role's schedule: every
rotation_period, or at each point of rotation_schedule (cron, UTC) within
rotation_window. After a rotation the previous token keeps working for
grace_period, then the engine revokes it. Each token's own expiry at the
provider reaches past the next rotation and grace period, as a backstop.

Read the current token from static-creds/<name>; rotate it now with
rotate-role/<name>. Deleting the role revokes its tokens.

Scope fields are those of roles/. Changing them, the token type or the
connection replaces the token at once.
`
