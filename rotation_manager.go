package gitsecrets

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/vault/sdk/helper/automatedrotationutil"
	"github.com/hashicorp/vault/sdk/logical"
	"github.com/hashicorp/vault/sdk/rotation"
)

// Vault Enterprise's rotation manager. A connection's schedule is offered to
// it first; where it is not available the engine runs the schedule itself
// (scheduler.go), so a schedule never runs twice.

// rootRotationPath is the path the rotation manager hands back to
// RotateCredential for a connection.
func rootRotationPath(name string) string { return configStoragePrefix + name }

// applyRootRotationSchedule registers, moves or removes conn's schedule
// after a config write, before the connection is stored (as Vault's own
// engines do). It returns a message for the operator when Vault refused.
func (b *backend) applyRootRotationSchedule(ctx context.Context, req *logical.Request, conn *connection, prev rotationSpec) string {
	spec := conn.rotationSpec()
	if !spec.enabled() {
		if conn.Rotation.ManagedBy == managedByVault {
			err := b.System().DeregisterRotationJob(ctx, &rotation.RotationJobDeregisterRequest{
				MountPoint: req.MountPoint,
				ReqPath:    rootRotationPath(conn.Name),
			})
			if err != nil {
				return fmt.Sprintf("Vault's rotation manager did not remove the schedule: %s", err)
			}
		}
		conn.Rotation = rotationState{Last: conn.Rotation.Last}
		return ""
	}
	unchanged := spec == prev && conn.Rotation.ManagedBy != ""
	if unchanged && conn.Rotation.ManagedBy == managedByVault {
		return ""
	}
	// An unchanged schedule the engine runs is offered to Vault again, so a
	// Vault upgraded to Enterprise takes it over at the next write.
	_, err := b.System().RegisterRotationJob(ctx, &rotation.RotationJobConfigureRequest{
		Name:             conn.Name,
		MountPoint:       req.MountPoint,
		ReqPath:          rootRotationPath(conn.Name),
		RotationSchedule: spec.Schedule,
		RotationWindow:   spec.Window,
		RotationPeriod:   spec.Period,
		RotationPolicy:   conn.RotationPolicy,
	})
	switch {
	case err == nil:
		conn.Rotation.ManagedBy = managedByVault
		conn.Rotation.Next, conn.Rotation.Failures, conn.Rotation.RetryAt = time.Time{}, 0, time.Time{}
	case rotationManagerUnavailable(err):
		if !unchanged {
			conn.Rotation.ManagedBy = managedByEngine
			conn.Rotation.schedule(spec, b.now())
		}
	case unchanged:
		// Vault refused a schedule the engine already runs; keep running it.
		b.Logger().Warn("Vault's rotation manager refused the schedule; the engine keeps running it", "config", conn.Name, "error", err)
	default:
		return fmt.Sprintf("Vault's rotation manager refused the schedule: %s", err)
	}
	return ""
}

// rotationManagerUnavailable reports the answers that mean "no rotation
// manager here". Community Edition answers ErrRotationManagerUnsupported,
// but an external plugin receives it through gRPC as text, so it is matched
// by message too. A Vault whose plugin protocol predates the sdk's
// RegisterRotationJobWithResponse call (Vault 1.21 and older, Enterprise
// included) answers gRPC's Unimplemented: its rotation manager cannot serve
// this plugin either.
func rotationManagerUnavailable(err error) bool {
	if errors.Is(err, automatedrotationutil.ErrRotationManagerUnsupported) {
		return true
	}
	msg := err.Error()
	return strings.Contains(msg, automatedrotationutil.ErrRotationManagerUnsupported.Error()) ||
		strings.Contains(msg, "code = Unimplemented")
}

// deregisterRootRotation removes a deleted connection's schedule from the
// rotation manager.
func (b *backend) deregisterRootRotation(ctx context.Context, req *logical.Request, conn *connection) error {
	b.queue.remove(queueKeyConnection + conn.Name)
	if conn.Rotation.ManagedBy != managedByVault {
		return nil
	}
	return b.System().DeregisterRotationJob(ctx, &rotation.RotationJobDeregisterRequest{
		MountPoint: req.MountPoint,
		ReqPath:    rootRotationPath(conn.Name),
	})
}

// rotateCredential is the rotation manager's callback
// (framework.Backend.RotateCredential); req.Path is the path registered.
func (b *backend) rotateCredential(ctx context.Context, req *logical.Request) error {
	name, ok := strings.CutPrefix(req.Path, configStoragePrefix)
	if !ok || name == "" {
		return fmt.Errorf("the rotation manager asked to rotate %q, which is not a connection", req.Path)
	}
	conn, err := b.rotateRootNow(ctx, req.Storage, name)
	if err != nil {
		b.Logger().Error("rotation manager's rotation failed", "config", name, "error", err)
		return err
	}
	b.Logger().Info("rotated the connection's credential for the rotation manager", "config", name, "provider", conn.Provider)
	return nil
}

// vaultRotationInfo asks the rotation manager where a schedule it runs
// stands; ok is false when it cannot say.
func (b *backend) vaultRotationInfo(ctx context.Context, name string) (last, next time.Time, ok bool) {
	info, err := b.System().GetRotationInformation(ctx, &rotation.RotationInfoRequest{ReqPath: rootRotationPath(name)})
	if err != nil || info == nil || info.NextVaultRotation.Unix() <= 0 {
		return time.Time{}, time.Time{}, false
	}
	return info.LastVaultRotation, info.NextVaultRotation, true
}
