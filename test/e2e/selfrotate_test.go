package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// testSelfRotatedLeaseRevoke plays a holder who outlives a lease: a project
// token with the api scope rotates itself at GitLab for a year's successor,
// then `vault lease revoke` must end the successor too. A role that asks for
// self_rotate, whose only use is that, is refused.
func testSelfRotatedLeaseRevoke(t *testing.T, e *engine) {
	_, _, err := e.v.srv.CLI("write", e.path+"/roles/bad", "config=gl", "token_type=project", "path="+gitlabProj, "scopes=read_api,self_rotate")
	if err == nil || !strings.Contains(err.Error(), "self_rotate") || !strings.Contains(err.Error(), "Code: 400") {
		t.Fatalf("a role with self_rotate: %v, want a 400 about self_rotate", err)
	}

	e.writeRole(t, "gl-holder", "config=gl", "token_type=project", "path="+gitlabProj, "scopes=api")
	c := e.readCreds(t, "gl-holder")
	issued, _ := e.gl.Lookup(c.token())
	successor, err := selfRotate(e.gl.URL()+"/api/v4/projects/"+fmt.Sprint(e.glProject)+"/access_tokens/self/rotate", c.token())
	if err != nil {
		t.Fatal(err)
	}
	if _, live := e.gl.Lookup(successor); !live {
		t.Fatal("the successor does not work at GitLab")
	}

	e.v.vault(t, "lease", "revoke", c.LeaseID)
	e.v.eventually(t, revokeTimeout, "vault lease revoke: the successor revoked at GitLab", func() error {
		for _, live := range e.gl.LiveTokens() {
			if live.Name == issued.Name {
				return fmt.Errorf("token %d named %q is still live", live.ID, live.Name)
			}
		}
		return nil
	})
	e.waitRevoked(t, "vault lease revoke", c)
}

// selfRotate rotates token with itself at url, asking for the longest life
// GitLab allows, and returns the successor.
func selfRotate(url, token string) (string, error) {
	body := strings.NewReader(`{"expires_at":"` + time.Now().UTC().AddDate(0, 0, 364).Format(time.DateOnly) + `"}`)
	req, _ := http.NewRequest(http.MethodPost, url, body)
	req.Header.Set("PRIVATE-TOKEN", token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	var out struct {
		Token string `json:"token"`
	}
	if resp.StatusCode != http.StatusOK || json.NewDecoder(resp.Body).Decode(&out) != nil || out.Token == "" {
		return "", fmt.Errorf("self-rotation: HTTP %d", resp.StatusCode)
	}
	return out.Token, nil
}
