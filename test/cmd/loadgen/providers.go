package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strconv"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegithub"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitlab"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
)

// fakeProvider is one in-process fake and the engine connection and role
// that issue through it. The fakes count every call they receive, which is
// how provider calls per token are measured.
type fakeProvider struct {
	name   string         // config/<name>, and the row label's first word
	role   string         // roles/<role>, the one the load reads creds from
	label  string         // what the table calls the role
	config map[string]any // fields for config/<name>
	fields map[string]any // fields for roles/<role>

	calls      func() int            // every request the fake has received
	liveTokens func() int            // tokens the fake would still accept
	setLatency func(d time.Duration) // 0 clears every fault
	inflight   *inflight             // requests being served
	// secondaryLimits turns GitHub's documented secondary rate limits on
	// or off at the fake and counts its refusals; nil for GitLab.
	secondaryLimits  func(on bool)
	secondaryRefused func() int
}

// startFakes serves a fake GitHub and a fake GitLab on loopback, seeded as
// the sandbox seeds them (test/cmd/sandbox), and returns them with a stop
// function.
func startFakes() ([]*fakeProvider, func(), error) {
	var stops []func()
	stop := func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	gh, stopGH, err := startGitHub()
	if err != nil {
		return nil, stop, err
	}
	stops = append(stops, stopGH)
	gl, stopGL, err := startGitLab()
	if err != nil {
		return nil, stop, err
	}
	stops = append(stops, stopGL)
	return []*fakeProvider{gh, gl}, stop, nil
}

const (
	fakeAppID = 1001
	fakeOwner = "acme"
)

// The roles the load reads creds from.
const (
	githubRole = "gh-read"
	gitlabRole = "gl-project"
)

func startGitHub() (*fakeProvider, func(), error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, err
	}
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})

	// GitHub's 5,000 calls an hour would end the burst early; the load is
	// the point here, not the quota.
	fake := fakegithub.New(fakegithub.Options{RateLimit: -1})
	fake.AddApp(fakegithub.App{ID: fakeAppID, ClientID: "Iv1.loadgen00000000001", Slug: "vault-loadgen", Name: "Vault loadgen"}, &key.PublicKey)
	fake.AddInstallation(fakegithub.Installation{
		AppID:        fakeAppID,
		Account:      fakeOwner,
		AccountType:  "Organization",
		Repositories: []string{"app", "api", "infra"},
		AllRepos:     []string{"app", "api", "infra", "website"},
		Permissions:  map[string]string{"contents": "write", "metadata": "read", "pull_requests": "write"},
	})
	counter := &inflight{}
	url, stop, err := fakeserver.ServeLoopback(counter.wrap(fake.Handler()))
	if err != nil {
		return nil, nil, err
	}
	return &fakeProvider{
		name:  "github",
		role:  githubRole,
		label: "GitHub installation token",
		config: map[string]any{
			"provider": "github", "app_id": strconv.Itoa(fakeAppID),
			"private_key": string(keyPEM), "base_url": url,
		},
		fields: map[string]any{
			"config": "github", "token_type": "installation", "owner": fakeOwner,
			"repositories": "app", "permissions": "contents=read",
		},
		calls:      fake.TotalCalls,
		liveTokens: func() int { return len(fake.LiveTokens()) },
		setLatency: func(d time.Duration) {
			fake.ClearFaults()
			if d > 0 {
				fake.InjectFault(fakegithub.Fault{Latency: d})
			}
		},
		inflight: counter,
		secondaryLimits: func(on bool) {
			if on {
				fake.SetSecondaryLimits(fakegithub.GitHubSecondaryLimits())
			} else {
				fake.SetSecondaryLimits(nil)
			}
		},
		secondaryRefused: fake.SecondaryLimited,
	}, func() { stop(); fake.Close() }, nil
}

const (
	fakeProject = "acme/app"
	ownerLevel  = 50 // GitLab's Owner access level
)

func startGitLab() (*fakeProvider, func(), error) {
	fake := fakegitlab.New(fakegitlab.Options{})
	admin := fake.AddUser("root", true)
	fake.AddGroup(fakeOwner)
	fake.AddProject(fakeProject)
	fake.AddMember(fakeOwner, admin, ownerLevel)
	token, _ := fake.AddPersonalToken(admin, "vault-loadgen", []string{"api"}, time.Now().Add(180*24*time.Hour))
	counter := &inflight{}
	url, stop, err := fakeserver.ServeLoopback(counter.wrap(fake.Handler()))
	if err != nil {
		return nil, nil, err
	}
	// The seeded connection token stays live throughout; only the tokens
	// the engine issues count.
	seeded := len(fake.LiveTokens())
	return &fakeProvider{
		name:   "gitlab",
		role:   gitlabRole,
		label:  "GitLab project token",
		config: map[string]any{"provider": "gitlab", "token": token, "base_url": url},
		fields: map[string]any{
			"config": "gitlab", "token_type": "project", "path": fakeProject,
			"scopes": "read_repository", "access_level": "developer",
		},
		calls:      fake.TotalCalls,
		liveTokens: func() int { return len(fake.LiveTokens()) - seeded },
		setLatency: func(d time.Duration) {
			fake.ClearFaults()
			if d > 0 {
				fake.InjectFault(fakegitlab.Fault{Latency: d})
			}
		},
		inflight: counter,
	}, func() { stop(); fake.Close() }, nil
}
