package fakegithub

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestAppJWT(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	now := f.clock.Now()
	otherKey := GenerateKey(t)
	valid := func(iss any) map[string]any {
		return map[string]any{"iat": now.Add(-30 * time.Second).Unix(), "exp": now.Add(9 * time.Minute).Unix(), "iss": iss}
	}
	with := func(claims map[string]any, k string, v any) map[string]any {
		out := map[string]any{}
		for key, val := range claims {
			out[key] = val
		}
		if v == nil {
			delete(out, k)
		} else {
			out[k] = v
		}
		return out
	}

	tests := []struct {
		name        string
		auth        string
		wantStatus  int
		wantMessage string
	}{
		{"iss as number", "Bearer " + signJWT(f.key, "RS256", valid(testAppID)), 200, ""},
		{"iss as string", "Bearer " + signJWT(f.key, "RS256", valid("4242")), 200, ""},
		{"iss as client ID", "Bearer " + signJWT(f.key, "RS256", valid(testClientID)), 200, ""},
		{"iat within skew", "Bearer " + signJWT(f.key, "RS256", map[string]any{
			"iat": now.Add(50 * time.Second).Unix(), "exp": now.Add(9 * time.Minute).Unix(), "iss": testAppID}), 200, ""},
		{"exp exactly 600s after iat", "Bearer " + signJWT(f.key, "RS256", map[string]any{
			"iat": now.Add(-30 * time.Second).Unix(), "exp": now.Add(570 * time.Second).Unix(), "iss": testAppID}), 200, ""},

		{"signed by another key", "Bearer " + signJWT(otherKey, "RS256", valid(testAppID)), 401, jwtUndecodable},
		{"unknown App ID", "Bearer " + signJWT(f.key, "RS256", valid(999)), 401, jwtUndecodable},
		{"unknown client ID", "Bearer " + signJWT(f.key, "RS256", valid("Iv23liSOMEONEELSE")), 401, jwtUndecodable},
		{"no iss", "Bearer " + signJWT(f.key, "RS256", with(valid(testAppID), "iss", nil)), 401, jwtUndecodable},
		{"HS256 with the public key", "Bearer " + signJWT(f.key, "HS256", valid(testAppID)), 401, jwtUndecodable},
		{"header names RS512", "Bearer " + signJWTAs(f.key, "RS512", "RS256", valid(testAppID)), 401, jwtUndecodable},
		{"alg none", "Bearer " + signJWT(f.key, "none", valid(testAppID)), 401, jwtUndecodable},
		{"tampered claims", "Bearer " + tamper(signJWT(f.key, "RS256", valid(testAppID))), 401, jwtUndecodable},
		{"not a JWT", "Bearer garbage", 401, jwtUndecodable},
		{"no Authorization", "", 401, jwtUndecodable},
		{"JWT with token scheme", "token " + f.jwt(), 401, jwtUndecodable},

		{"exp more than 10 minutes ahead", "Bearer " + signJWT(f.key, "RS256", map[string]any{
			"iat": now.Unix(), "exp": now.Add(11 * time.Minute).Unix(), "iss": testAppID}), 401, jwtTooLong},
		{"exp-iat over 600s", "Bearer " + signJWT(f.key, "RS256", map[string]any{
			"iat": now.Add(-2 * time.Minute).Unix(), "exp": now.Add(9 * time.Minute).Unix(), "iss": testAppID}), 401, jwtTooLong},
		{"expired", "Bearer " + signJWT(f.key, "RS256", map[string]any{
			"iat": now.Add(-10 * time.Minute).Unix(), "exp": now.Add(-time.Second).Unix(), "iss": testAppID}), 401, jwtBadExpiration},
		{"exp missing", "Bearer " + signJWT(f.key, "RS256", with(valid(testAppID), "exp", nil)), 401, jwtBadExpiration},
		{"exp as string", "Bearer " + signJWT(f.key, "RS256", with(valid(testAppID), "exp", "1999999999")), 401, jwtBadExpiration},
		{"iat in the future", "Bearer " + signJWT(f.key, "RS256", map[string]any{
			"iat": now.Add(2 * time.Minute).Unix(), "exp": now.Add(9 * time.Minute).Unix(), "iss": testAppID}), 401, jwtBadIssuedAt},
		{"iat fractional", "Bearer " + signJWT(f.key, "RS256", with(valid(testAppID), "iat", float64(now.Unix())+0.5)), 401, jwtBadIssuedAt},
		{"iat missing", "Bearer " + signJWT(f.key, "RS256", with(valid(testAppID), "iat", nil)), 401, jwtBadIssuedAt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := f.do(request{path: "/app", auth: tc.auth})
			wantStatus(t, resp, tc.wantStatus)
			if tc.wantMessage != "" {
				if got := resp.message(t); got != tc.wantMessage {
					t.Errorf("message %q, want %q", got, tc.wantMessage)
				}
			}
		})
	}
}

// tamper swaps the payload of a signed JWT for another, keeping the
// signature.
func tamper(jwt string) string {
	parts := strings.Split(jwt, ".")
	forged := strings.Split(signJWT(sharedKey(), "RS256", map[string]any{"iss": testAppID, "iat": 1, "exp": 2}), ".")
	return parts[0] + "." + forged[1] + "." + parts[2]
}

func TestAppJWTIssuerMustBeIntegerOnOldGHES(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{AppIDIssuerOnly: true})
	now := f.clock.Now()
	claims := func(iss any) map[string]any {
		return map[string]any{"iat": now.Add(-30 * time.Second).Unix(), "exp": now.Add(9 * time.Minute).Unix(), "iss": iss}
	}
	resp := f.do(request{path: "/app", auth: "Bearer " + signJWT(f.key, "RS256", claims(testClientID))})
	wantStatus(t, resp, http.StatusUnauthorized)
	if got := resp.message(t); got != jwtIssuerNotInt {
		t.Errorf("message %q, want %q", got, jwtIssuerNotInt)
	}
	wantStatus(t, f.do(request{path: "/app", auth: "Bearer " + signJWT(f.key, "RS256", claims(testAppID))}), http.StatusOK)
}

func TestAppJWTKeyRotation(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	newKey := GenerateKey(t)
	now := f.clock.Now()
	jwtBy := func(k any) string {
		key := f.key
		if k != nil {
			key = newKey
		}
		return "Bearer " + signJWT(key, "RS256", map[string]any{
			"iat": now.Add(-30 * time.Second).Unix(), "exp": now.Add(9 * time.Minute).Unix(), "iss": testAppID})
	}

	// Staged: both keys accepted.
	f.SetAppKeys(testAppID, &f.key.PublicKey, &newKey.PublicKey)
	wantStatus(t, f.do(request{path: "/app", auth: jwtBy(nil)}), http.StatusOK)
	wantStatus(t, f.do(request{path: "/app", auth: jwtBy(newKey)}), http.StatusOK)

	// Old key deleted in the UI.
	f.SetAppKeys(testAppID, &newKey.PublicKey)
	wantStatus(t, f.do(request{path: "/app", auth: jwtBy(nil)}), http.StatusUnauthorized)
	wantStatus(t, f.do(request{path: "/app", auth: jwtBy(newKey)}), http.StatusOK)
}

func TestJWTExpiresByInjectedClock(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	jwt := f.jwt() // exp = now + 9 min
	wantStatus(t, f.do(request{path: "/app", auth: "Bearer " + jwt}), http.StatusOK)
	f.clock.Advance(9 * time.Minute)
	resp := f.do(request{path: "/app", auth: "Bearer " + jwt})
	wantStatus(t, resp, http.StatusUnauthorized)
	if got := resp.message(t); got != jwtBadExpiration {
		t.Errorf("message %q, want %q", got, jwtBadExpiration)
	}
}

func TestCredentialKindPerRoute(t *testing.T) {
	t.Parallel()
	f := newFixture(t, Options{})
	tok := f.mint("")
	defer f.revoke(tok.Token)

	tests := []struct {
		name, method, path, auth string
		wantMessage              string
	}{
		{"token on a JWT route", http.MethodGet, "/app/installations", "token " + tok.Token, jwtUndecodable},
		{"token as Bearer on a JWT route", http.MethodGet, "/app", "Bearer " + tok.Token, jwtUndecodable},
		// A holder cannot mint another installation token with its own.
		{"token minting a token", http.MethodPost, "/app/installations/" + itoa(f.instID) + "/access_tokens", "token " + tok.Token, jwtUndecodable},
		{"token as Bearer minting a token", http.MethodPost, "/app/installations/" + itoa(f.instID) + "/access_tokens", "Bearer " + tok.Token, jwtUndecodable},
		{"JWT on a token route", http.MethodGet, "/installation/repositories", "Bearer " + f.jwt(), "Bad credentials"},
		{"JWT revoking", http.MethodDelete, "/installation/token", "Bearer " + f.jwt(), "Bad credentials"},
		{"no credential on a token route", http.MethodGet, "/installation/repositories", "", "Requires authentication"},
		{"basic auth on a token route", http.MethodGet, "/installation/repositories", "Basic eC1hY2Nlc3MtdG9rZW46eA==", "Bad credentials"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp := f.do(request{method: tc.method, path: tc.path, auth: tc.auth})
			wantStatus(t, resp, http.StatusUnauthorized)
			if got := resp.message(t); got != tc.wantMessage {
				t.Errorf("message %q, want %q", got, tc.wantMessage)
			}
		})
	}
	if _, live := f.Lookup(tok.Token); !live {
		t.Fatal("a JWT on DELETE /installation/token revoked the token")
	}
}
