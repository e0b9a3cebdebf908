package reliability

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/vaultserver"
)

const (
	// failoverTimeout bounds how long the surviving nodes take to elect a
	// leader and make it active.
	failoverTimeout = 2 * time.Minute
	// haRotationPeriod is the static role's period: the shortest the
	// engine accepts, since it rotates on Vault's one-minute tick.
	haRotationPeriod = time.Minute
	// haLeases is how many leases of each provider are outstanding when
	// the active node dies.
	haLeases = 3
	// haRotationsAfter is how many scheduled rotations the new active node
	// must make: the schedule carries on, not just one catch-up.
	haRotationsAfter = 2
)

// TestHAFailover runs the engine on a three-node raft cluster, with short
// leases outstanding and a static role rotating every minute, and kills the
// active node (SIGKILL: no step-down). The node that takes over revokes
// every lease as it expires and carries on the rotation schedule: no lease
// is lost, none becomes irrevocable, and no rotation happens twice.
func TestHAFailover(t *testing.T) {
	t.Parallel()
	bins := vaultserver.FindBinaries(t)
	cluster := vaultserver.StartCluster(t, bins.Options(vaultserver.StorageRaft), 3)
	ctx := context.Background()
	first, err := cluster.Active(ctx)
	if err != nil {
		t.Fatal(err)
	}
	v := &vaultEnv{srv: first, version: bins.Version}
	if err := first.RegisterPlugin(vaultserver.PluginName, bins.Plugin, bins.Version); err != nil {
		t.Fatalf("register plugin: %v\n%s", err, v.logTail())
	}
	e := newEngine(t, v, "git", newAppKeys(t))

	e.write(t, "static-roles/deploy", map[string]any{
		"config": "gl", "token_type": "deploy", "path": gitlabProject, "scopes": "read_repository",
		"rotation_period": int(haRotationPeriod.Seconds()), "grace_period": 0,
	})
	watch := watchRotations(e)
	defer watch.stop()
	var leases []*creds
	for range haLeases {
		leases = append(leases, e.mustCreds(t, "gh"), e.mustCreds(t, "gl"))
	}
	for _, c := range leases {
		if !e.live(c) {
			t.Fatalf("%v is not live at the provider", c)
		}
	}

	killedAt := time.Now()
	first.Kill()
	next, err := cluster.WaitActive(ctx, failoverTimeout, first)
	if err != nil {
		t.Fatal(err)
	}
	tookOver := time.Since(killedAt).Round(time.Second)
	t.Logf("node %s took over %s after the active node was killed", next.Addr, tookOver)
	v.srv, e.c = next, next.Client()
	watch.use(e)

	v.eventually(t, settleTimeout, "the new active node revokes the leases as they expire", func() error {
		for _, c := range leases {
			exists, err := leaseExists(e.c, c.LeaseID)
			if err != nil {
				return err
			}
			if exists || e.live(c) {
				return fmt.Errorf("%v: lease exists %v, token live %v", c, exists, e.live(c))
			}
		}
		return nil
	})
	// A rotation comes at the first tick once it is due, and the tick's
	// own lateness can push that to the tick after: each may take two
	// periods, the first tick of the new node comes a period after it
	// took over, and a loaded machine gets one period more.
	v.eventually(t, (2*haRotationsAfter+2)*haRotationPeriod, "the new active node rotates the static role on schedule", func() error {
		if n := watch.rotationsAfter(killedAt); n < haRotationsAfter {
			return fmt.Errorf("%d rotations since the failover (last rotated %s)", n, watch.last())
		}
		return nil
	})
	watch.stop()

	gone, err := irrevocable(e.c, "git/")
	if err != nil {
		t.Fatal(err)
	}
	if len(gone) != 0 {
		t.Errorf("%d irrevocable leases: %v", len(gone), gone)
	}
	// Each rotation makes one deploy token; the role's creation made the
	// first. Every one of them was seen by the watch, which reads faster
	// than two rotations can happen apart.
	created := e.gl.Calls("POST", "/projects/{id}/deploy_tokens")
	rotations := watch.rotations()
	if created != 1+len(rotations) {
		t.Errorf("%d deploy tokens created for %d rotations seen: a rotation ran twice", created, len(rotations))
	}
	seen := watch.times()
	for i := 1; i < len(seen); i++ {
		if gap := seen[i].Sub(seen[i-1]); gap < haRotationPeriod-time.Second {
			t.Errorf("rotations %s apart, closer than the period %s", gap, haRotationPeriod)
		}
	}
	if strays, err := e.strays(); err != nil || strays != 0 {
		t.Errorf("%d tokens live at the providers without a lease or a role (%v)", strays, err)
	}
	if err := e.worksAfterwards("gh"); err != nil {
		t.Error(err)
	}
	if err := e.worksAfterwards("gl"); err != nil {
		t.Error(err)
	}
	if leased, err := e.leasedInventory(); err != nil || len(leased) != 0 {
		t.Errorf("tokens/ still lists leased tokens %v after every lease ended (%v)", leased, err)
	}
	t.Logf("HA: %d leases revoked by the new active node, %d rotations (%d after the failover), %d deploy tokens created, 0 irrevocable",
		len(leases), len(rotations), watch.rotationsAfter(killedAt), created)
	writeReport(t, "ha.md", fmt.Sprintf("3 raft nodes; active node SIGKILLed, a standby active %s later; %d leases outstanding, "+
		"all revoked at expiry by the new active node; %d static rotations (%d after the failover, each at least %s apart), "+
		"%d deploy tokens created for them and the role's first; %d irrevocable leases\n",
		tookOver, len(leases), len(rotations), watch.rotationsAfter(killedAt), haRotationPeriod, created, len(gone)))
}

// rotationWatch reads static-creds/deploy every half second and records
// each distinct last_rotated, so that two rotations cannot pass unseen.
type rotationWatch struct {
	mu   sync.Mutex
	e    *engine
	seen []time.Time
	done chan struct{}
	once sync.Once
}

func watchRotations(e *engine) *rotationWatch {
	w := &rotationWatch{e: e, done: make(chan struct{})}
	go func() {
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-w.done:
				return
			case <-tick.C:
				w.look()
			}
		}
	}()
	return w
}

// use points the watch at another node's client.
func (w *rotationWatch) use(e *engine) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.e = e
}

func (w *rotationWatch) look() {
	w.mu.Lock()
	c, path := w.e.c, w.e.path
	w.mu.Unlock()
	s, err := c.Logical().Read(path + "/static-creds/deploy")
	if err != nil || s == nil {
		return // the active node is gone; the next look asks the new one
	}
	raw, _ := s.Data["last_rotated"].(string)
	at, err := time.Parse(time.RFC3339, raw)
	if err != nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if n := len(w.seen); n == 0 || !w.seen[n-1].Equal(at) {
		w.seen = append(w.seen, at)
	}
}

// times are the role's creation and every rotation since, in order.
func (w *rotationWatch) times() []time.Time {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]time.Time(nil), w.seen...)
}

// rotations are the rotations after the role's creation, in order.
func (w *rotationWatch) rotations() []time.Time {
	if seen := w.times(); len(seen) > 1 {
		return seen[1:]
	}
	return nil
}

func (w *rotationWatch) rotationsAfter(t time.Time) int {
	n := 0
	for _, at := range w.rotations() {
		if at.After(t) {
			n++
		}
	}
	return n
}

func (w *rotationWatch) last() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.seen) == 0 {
		return "never"
	}
	return w.seen[len(w.seen)-1].Format(time.RFC3339)
}

func (w *rotationWatch) stop() { w.once.Do(func() { close(w.done) }) }
