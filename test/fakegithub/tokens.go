package fakegithub

import (
	"cmp"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"maps"
	"math/big"
	"slices"
	"strings"
	"time"
)

// tokenLifetime is fixed by GitHub; there is no renewal.
const tokenLifetime = time.Hour

// IssuedToken is an installation access token the fake issued.
type IssuedToken struct {
	Token          string
	InstallationID int64
	// Repositories are the names the token was limited to; nil when its
	// repository_selection is "all" (it then reaches whatever the
	// installation reaches at the time of use).
	Repositories        []string
	Permissions         map[string]string
	IssuedAt, ExpiresAt time.Time
}

type tokenState struct {
	IssuedToken
	seq     int64 // issue order, for stable listings
	revoked bool
}

func (t *tokenState) live(now time.Time) bool {
	return !t.revoked && now.Before(t.ExpiresAt)
}

// snapshot copies the token so that callers cannot change the fake's state.
func (t *tokenState) snapshot() IssuedToken {
	out := t.IssuedToken
	out.Repositories = slices.Clone(t.Repositories)
	out.Permissions = maps.Clone(t.Permissions)
	return out
}

// LiveTokens lists the tokens that are neither revoked nor expired (by
// Options.Now), in the order they were issued.
func (s *Server) LiveTokens() []IssuedToken {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	var live []*tokenState
	for _, t := range s.state.tokens {
		if t.live(now) {
			live = append(live, t)
		}
	}
	slices.SortFunc(live, func(a, b *tokenState) int { return cmp.Compare(a.seq, b.seq) })
	out := make([]IssuedToken, len(live))
	for i, t := range live {
		out[i] = t.snapshot()
	}
	return out
}

// Lookup returns an issued token and whether it is live.
func (s *Server) Lookup(token string) (IssuedToken, bool) {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.state.tokens[token]
	if !ok {
		return IssuedToken{}, false
	}
	return t.snapshot(), t.live(now)
}

// HashToken is base64(SHA-256(token)), the form GitHub's audit log uses; it
// names a token in messages without revealing it.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return base64.StdEncoding.EncodeToString(sum[:])
}

// describeTokens names tokens by installation and hash, never by value.
func describeTokens(tokens []IssuedToken) string {
	parts := make([]string, len(tokens))
	for i, t := range tokens {
		parts[i] = fmt.Sprintf("installation %d, issued %s, sha256 %s",
			t.InstallationID, t.IssuedAt.Format(time.RFC3339), HashToken(t.Token))
	}
	return strings.Join(parts, "; ")
}

const alphanumerics = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// classicToken is "ghs_" and 36 alphanumerics, 40 characters in all.
func classicToken() string {
	return "ghs_" + randomString(alphanumerics, 36)
}

// statelessToken imitates GitHub's 2026 format "ghs_<APPID>_<JWT>": about
// 520 characters, of variable length, with dots, drawn from [A-Za-z0-9._]
// (the alphabet GitHub tells integrators to accept).
func statelessToken(appID int64) string {
	alphabet := alphanumerics + "_"
	return fmt.Sprintf("ghs_%d_%s.%s.%s", appID,
		randomString(alphabet, 36),
		randomString(alphabet, 290+randomInt(40)),
		randomString(alphabet, 171))
}

func randomString(alphabet string, n int) string {
	var b strings.Builder
	b.Grow(n)
	for range n {
		b.WriteByte(alphabet[randomInt(len(alphabet))])
	}
	return b.String()
}

func randomInt(n int) int {
	v, err := rand.Int(rand.Reader, big.NewInt(int64(n)))
	if err != nil {
		panic("fakegithub: crypto/rand failed: " + err.Error())
	}
	return int(v.Int64())
}
