package fakegitlab

import (
	"crypto/rand"
	"slices"
	"strconv"
	"time"
)

// Token kinds, as in Token.Kind.
const (
	KindPersonal = "personal"
	KindProject  = "project"
	KindGroup    = "group"
	KindDeploy   = "deploy"
)

// Token is a snapshot of one token as the fake holds it.
type Token struct {
	ID          int64
	Kind        string // KindPersonal, KindProject, KindGroup or KindDeploy
	Parent      string // "projects/12", "groups/3", "users/5"
	UserID      int64  // owner (the bot user for project/group tokens); 0 for deploy tokens
	Username    string // deploy token username, or the owner's username
	Name        string
	Description string
	Scopes      []string
	AccessLevel int       // project/group tokens
	ExpiresAt   time.Time // 00:00 UTC of the date for access tokens; the instant for deploy tokens; zero = never
	Token       string
	Active      bool // GitLab's "active": neither revoked nor expired
	LastUsedAt  *time.Time
}

// tokenRecord is a Token with what only the fake needs.
type tokenRecord struct {
	Token
	createdAt  time.Time
	revoked    bool
	deleted    bool  // gone from the API: deploy token destroyed, or its user removed
	previousID int64 // the token this one was rotated from; links a family
	seeded     bool  // added by a test, not through the API
}

// expired applies GitLab's rules at now. Access tokens stop at 00:00 UTC of
// their expiry date; deploy tokens are active while expires_at >= NOW().
func (t *tokenRecord) expired(now time.Time) bool {
	if t.ExpiresAt.IsZero() {
		return false
	}
	if t.Kind == KindDeploy {
		return t.ExpiresAt.Before(now)
	}
	return !now.Before(t.ExpiresAt)
}

func (t *tokenRecord) live(now time.Time) bool {
	return !t.revoked && !t.deleted && !t.expired(now)
}

// inState is the list endpoints' state filter: "active" keeps live
// tokens, "inactive" the rest, anything else all.
func (t *tokenRecord) inState(state string, now time.Time) bool {
	switch state {
	case "active":
		return t.live(now)
	case "inactive":
		return !t.live(now)
	}
	return true
}

// snapshot copies the record, so callers never share its slices.
func (t *tokenRecord) snapshot(now time.Time) Token {
	out := t.Token
	out.Scopes = slices.Clone(t.Scopes)
	out.Active = !t.revoked && !t.expired(now)
	if t.LastUsedAt != nil {
		at := *t.LastUsedAt
		out.LastUsedAt = &at
	}
	return out
}

// LiveTokens lists every token that still works at Options.Now, by id.
func (s *Server) LiveTokens() []Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	var out []Token
	for _, t := range s.db.sortedTokens() {
		if t.live(now) {
			out = append(out, t.snapshot(now))
		}
	}
	return out
}

// Lookup finds a token by its value; the bool says whether it still works.
func (s *Server) Lookup(token string) (Token, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.db.byValue[token]
	if t == nil {
		return Token{}, false
	}
	now := s.now()
	return t.snapshot(now), t.live(now)
}

func (db *store) sortedTokens() []*tokenRecord {
	out := make([]*tokenRecord, 0, len(db.tokens))
	for _, t := range db.tokens {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b *tokenRecord) int { return int(a.ID - b.ID) })
	return out
}

// addToken stores t under a fresh id and value.
// tokenByID is the token a path's token_id names, deleted ones included;
// nil when there is none or the id is not a number.
func (db *store) tokenByID(tokenID string) *tokenRecord {
	id, err := strconv.ParseInt(tokenID, 10, 64)
	if err != nil {
		return nil
	}
	return db.tokens[id]
}

func (db *store) addToken(t *tokenRecord) *tokenRecord {
	t.ID = db.newTokenID()
	if t.Token.Token == "" {
		t.Token.Token = newTokenValue(t.Kind)
	}
	db.tokens[t.ID] = t
	db.byValue[t.Token.Token] = t
	return t
}

// newTokenValue makes a secret with GitLab's prefix for the kind.
func newTokenValue(kind string) string {
	prefix := "glpat-"
	if kind == KindDeploy {
		prefix = "gldt-"
	}
	return prefix + rand.Text()[:20]
}

// revokeFamily revokes every token rotated, directly or not, from t: GitLab's
// answer when a revoked token is used to rotate again (a sign that it leaked).
func (db *store) revokeFamily(t *tokenRecord) {
	family := map[int64]bool{t.ID: true}
	for grown := true; grown; {
		grown = false
		for _, other := range db.tokens {
			if !family[other.ID] && family[other.previousID] {
				family[other.ID] = true
				grown = true
			}
		}
	}
	for id := range family {
		db.tokens[id].revoked = true
	}
}

// seededFamily reports whether t descends from a seeded token: the engine's
// own connection token rotates itself and rightly stays live.
func (db *store) seededFamily(t *tokenRecord) bool {
	for t != nil {
		if t.seeded {
			return true
		}
		t = db.tokens[t.previousID]
	}
	return false
}

// leakedTokens lists live tokens the API created.
func (db *store) leakedTokens(now time.Time) []Token {
	var out []Token
	for _, t := range db.sortedTokens() {
		if t.live(now) && !db.seededFamily(t) {
			out = append(out, t.snapshot(now))
		}
	}
	return out
}
