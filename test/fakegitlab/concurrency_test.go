package fakegitlab

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
)

// Many clients at once create, read, rotate and revoke. Run with -race.
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	const workers, rounds = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*rounds)
	for i := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range rounds {
				if err := w.churn(fmt.Sprintf("w%d-%d", i, j)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if live := len(w.s.LiveTokens()); live != 5 {
		t.Fatalf("%d live tokens, want the 5 seeded", live)
	}
}

// churn creates a project token, uses it, rotates it and revokes it,
// without t.Fatal so it can run off the test goroutine.
func (w *world) churn(name string) error {
	do := func(method, path, token string, body any, want int) (map[string]any, error) {
		r, err := w.send(w.t.Context(), http.DefaultClient, method, "/projects/acme%2Fapp"+path, token, body)
		if err != nil {
			return nil, err
		}
		if r.status != want {
			return nil, fmt.Errorf("%s %s: %d %s", method, path, r.status, r.body)
		}
		if len(r.body) == 0 || r.body[0] != '{' {
			return nil, nil
		}
		m := map[string]any{}
		return m, json.Unmarshal(r.body, &m)
	}
	created, err := do("POST", "/access_tokens", w.alice,
		map[string]any{"name": name, "scopes": []string{"api"}, "expires_at": "2025-07-01"}, http.StatusCreated)
	if err != nil {
		return err
	}
	if _, err := do("GET", "", created["token"].(string), nil, http.StatusOK); err != nil {
		return err
	}
	rotated, err := do("POST", "/access_tokens/self/rotate", created["token"].(string), nil, http.StatusOK)
	if err != nil {
		return err
	}
	_, err = do("DELETE", fmt.Sprintf("/access_tokens/%d", int64(rotated["id"].(float64))), w.alice, nil, http.StatusNoContent)
	return err
}
