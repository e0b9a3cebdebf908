// Package oidcissuer is a small OpenID Connect issuer for tests: it serves
// /.well-known/openid-configuration and a JWKS over HTTP and signs RS256 ID
// tokens with the claim sets GitLab CI and GitHub Actions put in a job's ID
// token, so Vault's JWT auth can trust it the way it trusts gitlab.com or
// token.actions.githubusercontent.com (oidc_discovery_url or jwks_url).
//
// The claims follow GitLab's "ID token authentication" page
// (docs.gitlab.com/ci/secrets/id_token_authentication) and GitHub's "About
// security hardening with OpenID Connect" page: every value is a string,
// ids included, and sub has each service's current format.
package oidcissuer

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Issuer signs ID tokens with one RSA key. It is an http.Handler serving
// the discovery document and the JWKS; its URL (the iss claim) is set once
// it is served.
type Issuer struct {
	key *rsa.PrivateKey
	kid string
	url string
}

// New makes an issuer with a fresh 2048-bit key.
func New() (*Issuer, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generate issuer key: %w", err)
	}
	return &Issuer{key: key, kid: "test-key-1"}, nil
}

// SetURL sets the issuer URL, the base the handler is served at.
func (i *Issuer) SetURL(url string) { i.url = strings.TrimSuffix(url, "/") }

// URL is the issuer URL: the iss claim and Vault's oidc_discovery_url.
func (i *Issuer) URL() string { return i.url }

// JWKSURL is where the signing key is published, Vault's jwks_url.
func (i *Issuer) JWKSURL() string { return i.url + "/oauth/discovery/keys" }

func (i *Issuer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var doc any
	switch r.URL.Path {
	case "/.well-known/openid-configuration":
		doc = map[string]any{
			"issuer":                                i.url,
			"jwks_uri":                              i.JWKSURL(),
			"response_types_supported":              []string{"id_token"},
			"subject_types_supported":               []string{"public", "pairwise"},
			"id_token_signing_alg_values_supported": []string{"RS256"},
			"claims_supported":                      []string{"sub", "aud", "exp", "iat", "iss", "jti", "nbf"},
		}
	case "/oauth/discovery/keys":
		pub := i.key.PublicKey
		doc = map[string]any{"keys": []map[string]string{{
			"kty": "RSA", "use": "sig", "alg": "RS256", "kid": i.kid,
			"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
			"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes()),
		}}}
	default:
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(doc)
}

// Sign signs claims with the issuer's key.
func (i *Issuer) Sign(claims map[string]any) (string, error) {
	return sign(i.key, i.kid, claims)
}

// Forge signs claims with another key under the issuer's key id: a token
// whose signature the issuer's JWKS does not verify.
func (i *Issuer) Forge(claims map[string]any) (string, error) {
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return "", err
	}
	return sign(other, i.kid, claims)
}

func sign(key *rsa.PrivateKey, kid string, claims map[string]any) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodRS256, jwt.MapClaims(claims))
	t.Header["kid"] = kid
	return t.SignedString(key)
}

// GitLabJob is a GitLab CI job's ID token claims (id_tokens: in
// .gitlab-ci.yml) for a pipeline of project on branch ref, valid from now
// for ten minutes.
type GitLabJob struct {
	Project    string // project_path, e.g. acme/app
	ProjectID  int64
	PipelineID int64
	JobID      int64
	Ref        string // branch name
	UserLogin  string
	Audience   string
}

// Claims are the job's ID token claims as GitLab issues them.
func (j GitLabJob) Claims(iss string, now time.Time) map[string]any {
	namespace := j.Project
	if i := strings.LastIndex(j.Project, "/"); i > 0 {
		namespace = j.Project[:i]
	}
	return map[string]any{
		"iss":                iss,
		"aud":                j.Audience,
		"sub":                fmt.Sprintf("project_path:%s:ref_type:branch:ref:%s", j.Project, j.Ref),
		"iat":                now.Unix(),
		"nbf":                now.Add(-5 * time.Second).Unix(),
		"exp":                now.Add(10 * time.Minute).Unix(),
		"jti":                fmt.Sprintf("job-%d", j.JobID),
		"namespace_id":       "1",
		"namespace_path":     namespace,
		"project_id":         fmt.Sprint(j.ProjectID),
		"project_path":       j.Project,
		"user_id":            "7",
		"user_login":         j.UserLogin,
		"user_email":         j.UserLogin + "@example.com",
		"pipeline_id":        fmt.Sprint(j.PipelineID),
		"pipeline_source":    "push",
		"job_id":             fmt.Sprint(j.JobID),
		"ref":                j.Ref,
		"ref_type":           "branch",
		"ref_path":           "refs/heads/" + j.Ref,
		"ref_protected":      "true",
		"runner_id":          "1",
		"runner_environment": "gitlab-hosted",
		"ci_config_ref_uri":  fmt.Sprintf("gitlab.example.com/%s//.gitlab-ci.yml@refs/heads/%s", j.Project, j.Ref),
	}
}

// GitHubRun is a GitHub Actions job's OIDC token claims (permissions:
// id-token: write) for a workflow run of repository (owner/name) on branch
// ref.
type GitHubRun struct {
	Repository   string // owner/name
	RepositoryID int64
	RunID        int64
	Ref          string // branch name
	Actor        string
	Audience     string
}

// Claims are the run's OIDC token claims as GitHub issues them.
func (r GitHubRun) Claims(iss string, now time.Time) map[string]any {
	owner, _, _ := strings.Cut(r.Repository, "/")
	return map[string]any{
		"iss":                   iss,
		"aud":                   r.Audience,
		"sub":                   fmt.Sprintf("repo:%s:ref:refs/heads/%s", r.Repository, r.Ref),
		"iat":                   now.Unix(),
		"nbf":                   now.Add(-5 * time.Second).Unix(),
		"exp":                   now.Add(10 * time.Minute).Unix(),
		"jti":                   fmt.Sprintf("run-%d", r.RunID),
		"repository":            r.Repository,
		"repository_id":         fmt.Sprint(r.RepositoryID),
		"repository_owner":      owner,
		"repository_owner_id":   "100",
		"repository_visibility": "private",
		"ref":                   "refs/heads/" + r.Ref,
		"ref_type":              "branch",
		"sha":                   "0123456789abcdef0123456789abcdef01234567",
		"workflow":              "ci",
		"workflow_ref":          fmt.Sprintf("%s/.github/workflows/ci.yml@refs/heads/%s", r.Repository, r.Ref),
		"job_workflow_ref":      fmt.Sprintf("%s/.github/workflows/ci.yml@refs/heads/%s", r.Repository, r.Ref),
		"run_id":                fmt.Sprint(r.RunID),
		"run_number":            "1",
		"run_attempt":           "1",
		"actor":                 r.Actor,
		"actor_id":              "200",
		"event_name":            "push",
		"runner_environment":    "github-hosted",
	}
}
