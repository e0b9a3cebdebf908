package fakegithub

import (
	"bytes"
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// GitHub's answers to a JWT it does not accept. A JWT it cannot tie to an
// App and key (bad signature, unknown issuer, wrong algorithm, garbage)
// gets jwtUndecodable.
const (
	jwtUndecodable   = "A JSON web token could not be decoded"
	jwtBadIssuedAt   = "'Issued at' claim ('iat') must be an Integer representing the time that the assertion was issued"
	jwtBadExpiration = "'Expiration time' claim ('exp') must be a numeric value representing the future time at which the assertion expires"
	jwtTooLong       = "'Expiration time' claim ('exp') is too far in the future"
	jwtIssuerNotInt  = "'Issuer' claim ('iss') must be an Integer"
)

const (
	jwtClockSkew   = 60 * time.Second  // how far ahead `iat` may be
	jwtMaxLifetime = 600 * time.Second // the longest exp-iat and exp-now
)

// verifyAppJWT checks an App JWT as GitHub does and returns its App, or the
// message GitHub would answer with.
func (s *Server) verifyAppJWT(raw string, now time.Time) (*appState, string) {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return nil, jwtUndecodable
	}
	var header struct {
		Alg string `json:"alg"`
	}
	if !decodeSegment(parts[0], &header) || header.Alg != "RS256" {
		return nil, jwtUndecodable
	}
	var claims map[string]json.RawMessage
	if !decodeSegment(parts[1], &claims) {
		return nil, jwtUndecodable
	}
	signature, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, jwtUndecodable
	}

	app, keys, msg := s.issuer(claims["iss"])
	if msg != "" {
		return nil, msg
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if !signedByAny(keys, digest[:], signature) {
		return nil, jwtUndecodable
	}

	iat, ok := integerClaim(claims["iat"])
	if !ok || iat > now.Add(jwtClockSkew).Unix() {
		return nil, jwtBadIssuedAt
	}
	exp, ok := integerClaim(claims["exp"])
	if !ok || exp <= now.Unix() {
		return nil, jwtBadExpiration
	}
	maxLife := int64(jwtMaxLifetime / time.Second)
	if exp-iat > maxLife || exp > now.Unix()+maxLife {
		return nil, jwtTooLong
	}
	return app, ""
}

// issuer finds the App an `iss` claim names: its ID as a JSON number or
// string, or its client ID. The keys are copied so that the signature is
// checked outside the lock.
func (s *Server) issuer(iss json.RawMessage) (*appState, []*rsa.PublicKey, string) {
	var id int64
	var clientID string
	if n, ok := integerClaim(iss); ok {
		id = n
	} else {
		var str string
		if err := json.Unmarshal(iss, &str); err != nil || str == "" {
			return nil, nil, jwtUndecodable
		}
		if n, err := strconv.ParseInt(str, 10, 64); err == nil {
			id = n
		} else if s.opts.AppIDIssuerOnly {
			return nil, nil, jwtIssuerNotInt
		} else {
			clientID = str
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	for _, app := range s.state.apps {
		if (id != 0 && app.ID == id) || (clientID != "" && app.ClientID == clientID) {
			return app, append([]*rsa.PublicKey(nil), app.keys...), ""
		}
	}
	return nil, nil, jwtUndecodable
}

func signedByAny(keys []*rsa.PublicKey, digest, signature []byte) bool {
	for _, key := range keys {
		if rsa.VerifyPKCS1v15(key, crypto.SHA256, digest, signature) == nil {
			return true
		}
	}
	return false
}

// decodeSegment decodes one base64url (unpadded, as RFC 7515 requires) JSON
// segment of a JWT.
func decodeSegment(seg string, v any) bool {
	data, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return false
	}
	return json.Unmarshal(data, v) == nil
}

// integerClaim reads a claim that GitHub requires to be a JSON integer; a
// string, a fraction or an exponent is refused.
func integerClaim(raw json.RawMessage) (int64, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || bytes.ContainsAny(raw, ".eE\"") {
		return 0, false
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	return n, err == nil
}
