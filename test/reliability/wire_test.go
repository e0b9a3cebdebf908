package reliability

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
)

// wire stands between the engine and the fake providers and records every
// credential that crosses: what the engine authenticates with (App JWTs,
// installation tokens, GitLab tokens) and every token the providers hand
// back. Secrets the engine handles but never prints end up here, so the
// hygiene test can look for each of them everywhere it must not be.
type wire struct {
	mu      sync.Mutex
	secrets map[string]string // value → what it is
	// echo answers the next request whose method and path match with an
	// error that repeats the request's credential, as a careless proxy or
	// provider might.
	echo *echoRule
}

type echoRule struct {
	method, pathSuffix string
	status             int
}

func newWire() *wire { return &wire{secrets: map[string]string{}} }

// wrap serves next through the wire.
func (w *wire) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		credential := w.noteRequest(r)
		if rule := w.takeEcho(r); rule != nil {
			rw.Header().Set("Content-Type", "application/json")
			rw.WriteHeader(rule.status)
			_ = json.NewEncoder(rw).Encode(map[string]string{"message": "Bad credentials: " + credential + " was refused"})
			return
		}
		tee := &teeWriter{ResponseWriter: rw}
		next.ServeHTTP(tee, r)
		w.noteAnswer(tee.body.Bytes())
	})
}

// echoNext makes the next request of method to a path ending in suffix
// fail with status and an error message that repeats its credential.
func (w *wire) echoNext(method, suffix string, status int) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.echo = &echoRule{method: method, pathSuffix: suffix, status: status}
}

func (w *wire) takeEcho(r *http.Request) *echoRule {
	w.mu.Lock()
	defer w.mu.Unlock()
	rule := w.echo
	if rule == nil || r.Method != rule.method || !strings.HasSuffix(r.URL.Path, rule.pathSuffix) {
		return nil
	}
	w.echo = nil
	return rule
}

// noteRequest records the request's credential and returns it.
func (w *wire) noteRequest(r *http.Request) string {
	if tok := r.Header.Get("Private-Token"); tok != "" {
		w.add(tok, "GitLab token")
		return tok
	}
	auth := r.Header.Get("Authorization")
	scheme, cred, ok := strings.Cut(auth, " ")
	if !ok || cred == "" {
		return ""
	}
	switch {
	case strings.EqualFold(scheme, "bearer") && strings.Count(cred, ".") == 2 && !strings.HasPrefix(cred, "ghs_"):
		w.add(cred, "GitHub App JWT")
	case strings.HasPrefix(cred, "ghs_"):
		w.add(cred, "GitHub installation token")
	default:
		w.add(cred, "GitLab token")
	}
	return cred
}

// noteAnswer records every "token" string in a JSON answer.
func (w *wire) noteAnswer(body []byte) {
	var doc any
	if json.Unmarshal(body, &doc) != nil {
		return
	}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, val := range v {
				if s, ok := val.(string); ok && k == "token" && s != "" {
					w.add(s, "token issued by a provider")
				}
				walk(val)
			}
		case []any:
			for _, val := range v {
				walk(val)
			}
		}
	}
	walk(doc)
}

func (w *wire) add(secret, what string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, seen := w.secrets[secret]; !seen {
		w.secrets[secret] = what
	}
}

// all returns the secrets seen, value → what it is.
func (w *wire) all() map[string]string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make(map[string]string, len(w.secrets))
	for k, v := range w.secrets {
		out[k] = v
	}
	return out
}

// teeWriter keeps a copy of the answer.
type teeWriter struct {
	http.ResponseWriter
	body bytes.Buffer
}

func (t *teeWriter) Write(p []byte) (int, error) {
	t.body.Write(p)
	return t.ResponseWriter.Write(p)
}
