package gitsecrets

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/vault/sdk/helper/automatedrotationutil"
	"github.com/hashicorp/vault/sdk/logical"
	"github.com/hashicorp/vault/sdk/rotation"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitlab"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
)

// rotationStart is a Tuesday noon, UTC.
var rotationStart = time.Date(2025, 3, 11, 12, 0, 0, 0, time.UTC)

// testClock is the one clock of a rotation test: the backend, the fake
// GitLab and the fake GitHub all read it.
type testClock = fakeserver.Clock

func newTestClock() *testClock { return fakeserver.NewClock(rotationStart) }

// communityView is Vault Community Edition's answer to the rotation
// manager calls (vault/rotation_stubs_oss.go); the sdk's StaticSystemView
// answers a generic error instead.
type communityView struct {
	logical.StaticSystemView
}

func (communityView) RegisterRotationJob(context.Context, *rotation.RotationJobConfigureRequest) (string, error) {
	return "", automatedrotationutil.ErrRotationManagerUnsupported
}

func (communityView) DeregisterRotationJob(context.Context, *rotation.RotationJobDeregisterRequest) error {
	return nil
}

func (communityView) GetRotationInformation(context.Context, *rotation.RotationInfoRequest) (*rotation.RotationInfoResponse, error) {
	return nil, automatedrotationutil.ErrRotationManagerUnsupported
}

// enterpriseView records what the engine asks of Vault Enterprise's
// rotation manager.
type enterpriseView struct {
	logical.StaticSystemView
	mu           sync.Mutex
	registered   []rotation.RotationJobConfigureRequest
	deregistered []rotation.RotationJobDeregisterRequest
	next         time.Time
}

func (v *enterpriseView) RegisterRotationJob(_ context.Context, req *rotation.RotationJobConfigureRequest) (string, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.registered = append(v.registered, *req)
	return "rotation-id-1", nil
}

func (v *enterpriseView) DeregisterRotationJob(_ context.Context, req *rotation.RotationJobDeregisterRequest) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.deregistered = append(v.deregistered, *req)
	return nil
}

func (v *enterpriseView) GetRotationInformation(context.Context, *rotation.RotationInfoRequest) (*rotation.RotationInfoResponse, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return &rotation.RotationInfoResponse{NextVaultRotation: v.next}, nil
}

func (v *enterpriseView) calls() (registered, deregistered int) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.registered), len(v.deregistered)
}

func systemDefaults() logical.StaticSystemView {
	return logical.StaticSystemView{DefaultLeaseTTLVal: testDefaultTTL, MaxLeaseTTLVal: testMaxTTL}
}

// outageStorage refuses writes under a prefix while told to, as storage
// does during a leadership change or an outage.
type outageStorage struct {
	logical.InmemStorage
	mu       sync.Mutex
	failPuts []string
}

var errStorageDown = errors.New("storage unavailable")

func (s *outageStorage) Put(ctx context.Context, e *logical.StorageEntry) error {
	s.mu.Lock()
	fail := false
	for _, p := range s.failPuts {
		fail = fail || strings.HasPrefix(e.Key, p)
	}
	s.mu.Unlock()
	if fail {
		return errStorageDown
	}
	return s.InmemStorage.Put(ctx, e)
}

func (s *outageStorage) failWrites(prefixes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failPuts = prefixes
}

// rotEnv is a backend whose clock the test moves, on storage that outlives
// it, so a test can restart the engine.
type rotEnv struct {
	*testEnv
	clock   *testClock
	system  logical.SystemView
	storage *outageStorage
}

func newRotEnv(t testing.TB, clock *testClock, system logical.SystemView) *rotEnv {
	t.Helper()
	e := &rotEnv{clock: clock, system: system, storage: &outageStorage{}}
	e.testEnv = e.start(t)
	return e
}

// start builds a backend on e's storage as Vault does on mount or restart:
// Factory's setup, then InitializeFunc.
func (e *rotEnv) start(t testing.TB) *testEnv {
	t.Helper()
	conf := logical.TestBackendConfig()
	conf.Logger = hclog.NewNullLogger()
	conf.StorageView = e.storage
	conf.System = e.system
	b := newBackend(registeredKinds())
	b.now = e.clock.Now
	ctx := context.Background()
	if err := b.Setup(ctx, conf); err != nil {
		t.Fatal(err)
	}
	if err := b.Initialize(ctx, &logical.InitializationRequest{Storage: e.storage}); err != nil {
		t.Fatal(err)
	}
	return &testEnv{t: t, b: b, storage: e.storage}
}

// restart stops the backend and starts a new one on the same storage.
func (e *rotEnv) restart() {
	e.t.Helper()
	e.b.Cleanup(context.Background())
	e.testEnv = e.start(e.t)
}

// crash drops the backend without its cleanup, as a killed plugin does.
func (e *rotEnv) crash() {
	e.t.Helper()
	e.testEnv = e.start(e.t)
}

// tick is Vault's rollback tick: PeriodicFunc, then the WAL rollback of
// entries past their minimum age.
func (e *rotEnv) tick() {
	e.t.Helper()
	resp, err := e.b.HandleRequest(context.Background(), &logical.Request{
		Operation: logical.RollbackOperation,
		Storage:   e.storage,
		Data:      map[string]any{},
	})
	failOnRollbackError(e.t, "rollback tick", resp, err)
}

// at moves the clock to t and ticks.
func (e *rotEnv) at(t time.Time) {
	e.t.Helper()
	e.clock.Set(t)
	e.tick()
}

// gitlabWorld is a fake GitLab on the test clock: group acme, project
// acme/app, user ci-bot, and an administrator whose token (expiring in
// three months) the connection uses.
type gitlabWorld struct {
	gl    *fakegitlab.Server
	token string
}

func newGitLabWorld(t testing.TB, clock *testClock) *gitlabWorld {
	t.Helper()
	gl := fakegitlab.Start(t, fakegitlab.Options{Now: clock.Now})
	gl.AddGroup("acme")
	gl.AddProject("acme/app")
	gl.AddUser("ci-bot", false)
	admin := gl.AddUser("vault-admin", true)
	gl.AddMember("acme", admin, 50)
	gl.AddMember("acme/app", admin, 50)
	token, _ := gl.AddPersonalToken(admin, "vault", []string{"api"}, clock.Now().AddDate(0, 3, 0))
	return &gitlabWorld{gl: gl, token: token}
}

// newGitLabRotEnv is a community-edition backend with config/gl on a fake
// GitLab, plus extra config fields.
func newGitLabRotEnv(t testing.TB, config map[string]any) (*rotEnv, *gitlabWorld) {
	t.Helper()
	clock := newTestClock()
	w := newGitLabWorld(t, clock)
	e := newRotEnv(t, clock, communityView{systemDefaults()})
	data := map[string]any{"provider": "gitlab", "token": w.token, "base_url": w.gl.URL()}
	for k, v := range config {
		data[k] = v
	}
	e.ok(logical.CreateOperation, "config/gl", data)
	return e, w
}

// liveConnectionToken is the one live token of the connection's family at
// the fake: the seeded token or whichever rotation replaced it.
func (w *gitlabWorld) liveConnectionToken(t testing.TB) fakegitlab.Token {
	t.Helper()
	var found []fakegitlab.Token
	for _, tok := range w.gl.LiveTokens() {
		if tok.Kind == fakegitlab.KindPersonal && tok.Username == "vault-admin" {
			found = append(found, tok)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d live connection tokens at GitLab, want 1", len(found))
	}
	return found[0]
}

// issueAndRevoke proves the engine's connection works: it issues a token
// and revokes it.
func (e *rotEnv) issueAndRevoke(role string) {
	e.t.Helper()
	resp := e.ok(logical.ReadOperation, "creds/"+role, nil)
	if err := e.revoke(resp); err != nil {
		e.t.Fatalf("revoke: %v", err)
	}
}

// rotateRootUnsaved runs rotate-root/gl with storage refusing writes under
// prefixes, which it goes on refusing, and fails the test if the rotation
// reports success.
func (e *rotEnv) rotateRootUnsaved(prefixes ...string) {
	e.t.Helper()
	e.storage.failWrites(prefixes...)
	if _, err := e.request(logical.UpdateOperation, "rotate-root/gl", nil); err == nil {
		e.t.Fatalf("rotate-root succeeded with writes under %q failing", prefixes)
	}
}

// requireStoredToken fails the test with msg unless storage holds token as
// connection gl's credential.
func (e *rotEnv) requireStoredToken(token, msg string) {
	e.t.Helper()
	// Storage itself, not the engine's cache of it.
	entry, err := e.storage.Get(context.Background(), configStoragePrefix+"gl")
	if err != nil || entry == nil {
		e.t.Fatal(msg)
	}
	stored, err := e.b.decodeConnection("gl", entry)
	if err != nil || glToken(&stored.Connection) != token {
		e.t.Fatal(msg)
	}
}

func mustTime(t testing.TB, v any) time.Time {
	t.Helper()
	s, ok := v.(string)
	if !ok {
		t.Fatalf("%v (%T) is not an RFC 3339 string", v, v)
	}
	at, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return at
}
