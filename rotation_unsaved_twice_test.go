package gitsecrets

import (
	"strings"
	"testing"

	"github.com/hashicorp/vault/sdk/logical"
)

// TestGitLabSecondRotationWhileUnsavedKeepsTheCredential: storage refuses
// the connection's writes (a seal-wrap outage hits config/, which is
// seal-wrapped, and not wal/). rotate-root replaces A with B, which only
// memory (and the WAL) holds; the operator, told the write failed, runs
// rotate-root again, and GitLab replaces B with C. The engine must go on
// working with C, store it once storage recovers, and survive a restart:
// C is its only working credential (GitLab revoked A and B).
//
// The second rotation's memory entry says it replaced B, while storage
// still holds A, so the engine acts with A again (revoked), and the next
// flush takes the mismatch for an operator's write and forgets C; the WAL
// entry of the first rotation then puts B (revoked) in storage.
func TestGitLabSecondRotationWhileUnsavedKeepsTheCredential(t *testing.T) {
	t.Parallel()
	e, w := newGitLabRotEnv(t, nil)
	addProjectRole(e)
	e.storage.failWrites("config/")
	for i := 1; i <= 2; i++ {
		if _, err := e.request(logical.UpdateOperation, "rotate-root/gl", nil); err == nil || !strings.Contains(err.Error(), "storing the new one failed") {
			t.Fatalf("rotation %d with config writes failing: %v", i, err)
		}
	}
	newest := w.liveConnectionToken(t).Token
	if resp, err := e.request(logical.ReadOperation, "creds/app", nil); err != nil || resp.IsError() {
		t.Errorf("creds while the second rotation waits to be stored: %v %v", err, resp.Error())
	} else if err := e.revoke(resp); err != nil {
		t.Errorf("revoke: %v", err)
	}

	e.storage.failWrites()
	e.tick()
	e.rollback()
	e.requireStoredToken(newest, "once storage recovered, the connection does not hold GitLab's newest (only working) token")
	e.restart()
	e.issueAndRevoke("app")
}

// TestGitLabSecondRotationWhileUnsavedSurvivesACrash: the same two
// rotations, then the process stops before storage takes the token; the
// restart must recover the newest token from the WAL, not the first
// rotation's (revoked) one.
func TestGitLabSecondRotationWhileUnsavedSurvivesACrash(t *testing.T) {
	t.Parallel()
	e, w := newGitLabRotEnv(t, nil)
	addProjectRole(e)
	e.storage.failWrites("config/")
	for i := 1; i <= 2; i++ {
		if _, err := e.request(logical.UpdateOperation, "rotate-root/gl", nil); err == nil {
			t.Fatalf("rotation %d succeeded with config writes failing", i)
		}
	}
	newest := w.liveConnectionToken(t).Token
	e.storage.failWrites()
	e.crash()
	e.requireStoredToken(newest, "the restart did not recover GitLab's newest token from the WAL")
	e.issueAndRevoke("app")
}
