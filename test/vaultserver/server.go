// Package vaultserver runs real `vault server` processes on loopback for
// tests and for the `make dev` sandbox: dev mode in memory, a configured
// server on file or raft storage that survives restarts, or a raft cluster
// of several servers (StartCluster) whose active node can be killed. Every
// process is stopped by Stop (or the test's cleanup), plugins included.
package vaultserver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
)

// portAttempts is how many fresh ports Launch tries when the one it picked
// was taken between choosing it and Vault binding it.
const portAttempts = 3

// clientTimeout bounds one API request; Vault itself gives a request 90s.
const clientTimeout = 2 * time.Minute

// errAddrInUse marks a start that failed only because the port was taken.
var errAddrInUse = errors.New("address already in use")

// Server is one running Vault server.
type Server struct {
	// Addr is the API address, e.g. http://127.0.0.1:41234.
	Addr string
	// RootToken is a root token of the server.
	RootToken string

	opts      Options
	ep        endpoints
	unsealKey string // empty in dev mode, which unseals itself
	// clustered marks a member of a Cluster: it is ready once unsealed,
	// as a standby or active.
	clustered bool

	mu   sync.Mutex
	proc *process // nil while stopped
}

// Start launches a server for a test and stops it in t.Cleanup. DataDir
// defaults to t.TempDir().
func Start(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.DataDir == "" {
		opts.DataDir = t.TempDir()
	}
	// Registered before Stop, so that it runs after it.
	if full, err := opts.withDefaults(); err == nil {
		KeepLogOnFailure(t, full.LogFile, "vault.log")
	}
	s, err := Launch(context.Background(), opts)
	if err != nil {
		t.Fatalf("start vault: %v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

// Launch starts a server and returns once it is initialized, unsealed and
// active. The caller must call Stop. ctx bounds only the start.
func Launch(ctx context.Context, opts Options) (*Server, error) {
	return launch(ctx, opts, nil)
}

// launch starts a server; with a leader, a raft node that joins the
// leader's cluster and shares its unseal key and root token.
func launch(ctx context.Context, opts Options, leader *Server) (*Server, error) {
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(opts.DataDir, 0o700); err != nil {
		return nil, err
	}
	s := &Server{opts: opts}
	if leader != nil {
		s.opts.raftLeader = leader.Addr
		s.unsealKey, s.RootToken, s.clustered = leader.unsealKey, leader.RootToken, true
	}
	if opts.Storage == StorageInmem {
		if s.RootToken, err = randomToken(); err != nil {
			return nil, err
		}
	}
	for attempt := 1; ; attempt++ {
		if s.ep, err = pickEndpoints(opts.Storage); err != nil {
			return nil, err
		}
		s.Addr = s.ep.apiAddr()
		// Fail here rather than in Client: NewClient only errors on a
		// malformed VAULT_* variable in this process's environment.
		if _, err := s.newClient(); err != nil {
			return nil, err
		}
		err = s.boot(ctx)
		if err == nil {
			return s, nil
		}
		if attempt == portAttempts || !errors.Is(err, errAddrInUse) {
			return nil, err
		}
	}
}

// Stop stops the server and every plugin process it started. It is safe to
// call more than once; Restart starts the server again.
func (s *Server) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		s.proc.stop()
		s.proc = nil
	}
}

// Kill ends the server and its plugins with SIGKILL, as a crash or a lost
// machine would: no step-down, no plugin shutdown. Restart starts it again.
func (s *Server) Kill() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		s.proc.kill()
		s.proc = nil
	}
}

// Restart stops the server and starts it again on the same ports and
// storage, unsealing it with the key kept from initialization. A dev-mode
// (in-memory) server cannot be restarted.
func (s *Server) Restart() error {
	if s.opts.Storage == StorageInmem {
		return errors.New("vaultserver: an in-memory (dev mode) server loses its data on restart; use file or raft storage")
	}
	s.Stop()
	return s.boot(context.Background())
}

// Client returns a new API client for the server, authenticated with the
// root token. Its requests are not retried, so tests see every error.
func (s *Server) Client() *api.Client {
	c, err := s.newClient()
	if err != nil {
		// Launch made the same call successfully; only a change to this
		// process's VAULT_* environment since then can get here.
		panic("vaultserver: " + err.Error())
	}
	return c
}

// LogFile is the path of the server's log, plugin logs included.
func (s *Server) LogFile() string { return s.opts.LogFile }

// newClient builds a client that ignores the caller's VAULT_NAMESPACE and
// VAULT_TOKEN and does not retry.
func (s *Server) newClient() (*api.Client, error) {
	cfg := api.DefaultConfig()
	if cfg.Error != nil {
		return nil, cfg.Error
	}
	cfg.Address = s.Addr
	cfg.MaxRetries = 0
	cfg.Timeout = clientTimeout
	c, err := api.NewClient(cfg)
	if err != nil {
		return nil, err
	}
	c.ClearNamespace()
	c.SetToken(s.RootToken)
	return c, nil
}

// boot starts the process and waits until it is ready, stopping it again on
// failure. The returned error quotes the tail of this run's log.
func (s *Server) boot(ctx context.Context) error {
	args, err := serverArgs(s.opts, s.ep, s.RootToken)
	if err != nil {
		return err
	}
	logStart := fileSize(s.opts.LogFile)
	proc, err := startProcess(s.opts.VaultBin, args, s.opts.LogFile)
	if err != nil {
		return fmt.Errorf("run %s: %w", s.opts.VaultBin, err)
	}
	s.mu.Lock()
	s.proc = proc
	s.mu.Unlock()

	ctx, cancel := context.WithTimeout(ctx, s.opts.StartTimeout)
	defer cancel()
	if err = s.waitReady(ctx, proc); err == nil {
		return nil
	}
	s.Stop()
	tail := logTail(s.opts.LogFile, logStart)
	if strings.Contains(tail, "address already in use") {
		err = fmt.Errorf("%w: %w", errAddrInUse, err)
	}
	return fmt.Errorf("vault server (%s storage) at %s: %w\n--- end of %s ---\n%s",
		s.opts.Storage, s.Addr, err, s.opts.LogFile, tail)
}

// pickEndpoints chooses free loopback ports: the API port, and for raft the
// cluster port it needs even on a single node.
func pickEndpoints(storage Storage) (endpoints, error) {
	var ep endpoints
	var err error
	if ep.apiPort, err = freePort(); err != nil {
		return ep, err
	}
	if storage == StorageRaft {
		for ep.clusterPort == 0 || ep.clusterPort == ep.apiPort {
			if ep.clusterPort, err = freePort(); err != nil {
				return ep, err
			}
		}
	}
	return ep, nil
}

// randomToken makes a dev-mode root token that is unique per server.
func randomToken() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return "root-" + hex.EncodeToString(b), nil
}
