package fakegitlab

import (
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// scopeRule is which token scopes an endpoint accepts (GitLab's
// allow_access_with_scope).
type scopeRule int

const (
	// apiScopes: api, or read_api for reads (API::API).
	apiScopes scopeRule = iota
	// userScopes: also read_user for reads (users, metadata).
	userScopes
	// anyScope: every scope (token self-information and self-revocation).
	anyScope
	// rotateScopes: api or self_rotate (self-rotation).
	rotateScopes
)

func (rule scopeRule) accepted(method string) []string {
	read := method == http.MethodGet || method == http.MethodHead
	switch {
	case rule == anyScope:
		return nil
	case rule == rotateScopes:
		return []string{"api", "self_rotate"}
	case rule == userScopes && read:
		return []string{"api", "read_api", "read_user"}
	case read:
		return []string{"api", "read_api"}
	}
	return []string{"api"}
}

// rotationPath is where GitLab's reuse detection looks: a revoked token
// presented to a rotate endpoint revokes its whole family.
var rotationPath = regexp.MustCompile(`access_tokens/(\d+|self)/rotate$`)

// Answers from GitLab's API guard (Rack::OAuth2 bearer errors).
const (
	expiredDescription = "Token is expired. You can either do re-authorization or token refresh."
	revokedDescription = "Token was revoked. You have to re-authorize from the user."
	scopeDescription   = "The request requires higher privileges than provided by the access token."
)

// authenticate finds the caller from PRIVATE-TOKEN or a Bearer token. On
// success it records the use (last_used_at) and fills c.user and c.token.
func (s *Server) authenticate(c *call, rule scopeRule) (reply, bool) {
	value := requestToken(c.r)
	if value == "" {
		return unauthorized(), false
	}
	t := s.db.byValue[value]
	// Deploy tokens are not personal access tokens: the REST API does not
	// know them, and a token whose bot user is gone is gone too.
	if t == nil || t.Kind == KindDeploy || t.deleted {
		return unauthorized(), false
	}
	now := s.now()
	if t.expired(now) {
		return bearerError(http.StatusUnauthorized, "invalid_token", expiredDescription, ""), false
	}
	if t.revoked {
		if rotationPath.MatchString(c.r.URL.Path) {
			s.db.revokeFamily(t)
		}
		return bearerError(http.StatusUnauthorized, "invalid_token", revokedDescription, ""), false
	}
	if accepted := rule.accepted(c.r.Method); accepted != nil && !hasAny(t.Scopes, accepted) {
		return bearerError(http.StatusForbidden, "insufficient_scope", scopeDescription, strings.Join(accepted, " ")), false
	}
	u := s.db.liveUser(t.UserID)
	if u == nil {
		return unauthorized(), false
	}
	used := now
	t.LastUsedAt = &used
	c.user, c.token = u, t
	return reply{}, true
}

func requestToken(r *http.Request) string {
	if v := strings.TrimSpace(r.Header.Get("PRIVATE-TOKEN")); v != "" {
		return v
	}
	scheme, cred, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if strings.EqualFold(scheme, "Bearer") {
		return strings.TrimSpace(cred)
	}
	return ""
}

// bearerError is the body and header Rack::OAuth2 writes for token errors.
func bearerError(status int, code, description, scope string) reply {
	body := map[string]string{"error": code, "error_description": description}
	if scope != "" {
		body["scope"] = scope
	}
	rep := jsonReply(status, body)
	if status == http.StatusUnauthorized {
		rep.header = http.Header{"Www-Authenticate": {`Bearer realm="The API", error="` + code + `", error_description="` + description + `"`}}
	}
	return rep
}

func hasAny(have, want []string) bool {
	for _, w := range want {
		if slices.Contains(have, w) {
			return true
		}
	}
	return false
}
