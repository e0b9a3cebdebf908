package main

import (
	"context"
	"net/http"
	"path/filepath"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakegitlab"
	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
)

// The fake GitLab's world.
const (
	fakeAdmin   = "root"
	fakeGroup   = "acme"
	fakeProject = sampleRepo
	// fakeServiceAccount is a service account of the group, Reporter of
	// the project, which role gl-sa issues tokens of.
	fakeServiceAccount = "ci-sa"
	ownerLevel         = 50 // GitLab's Owner access level
	reporterLevel      = 20
	// fakeTokenLife is how long the engine's seeded connection token lives;
	// GitLab caps access tokens at 365 days.
	fakeTokenLife = 180 * 24 * time.Hour
)

// gitlabConnection is the real GitLab from the environment, or else a fake
// GitLab with group acme, project acme/app and an admin connection token,
// with a Git server and a registry behind it.
func gitlabConnection(ctx context.Context, dir string, logf func(string, ...any), started func(stop func())) (connection, error) {
	vars, real, err := envGroup("GITLAB_TOKEN", "GITLAB_BASE_URL", "GITLAB_PROJECT")
	if err != nil {
		return connection{}, err
	}
	if real {
		return gitlabRoles(connection{
			name: "gitlab", label: "GitLab", url: vars["GITLAB_BASE_URL"],
			summary: "project " + vars["GITLAB_PROJECT"],
			config: map[string]any{
				"provider": "gitlab", "token": vars["GITLAB_TOKEN"], "base_url": vars["GITLAB_BASE_URL"],
			},
		}, vars["GITLAB_PROJECT"]), nil
	}
	return fakeGitLab(ctx, dir, logf, started)
}

// fakeGitLab starts the fake and its backends: a clone needs a token
// granting read_repository on the project, a pull read_registry, as on
// GitLab.
func fakeGitLab(ctx context.Context, dir string, logf func(string, ...any), started func(stop func())) (connection, error) {
	fake := fakegitlab.New(fakegitlab.Options{})
	admin := fake.AddUser(fakeAdmin, true)
	fake.AddGroup(fakeGroup)
	fake.AddProject(fakeProject)
	fake.AddProject(ciOtherProject)
	fake.AddMember(fakeGroup, admin, ownerLevel)
	fake.AddMember(fakeProject, fake.AddServiceAccount(fakeGroup, fakeServiceAccount), reporterLevel)
	token, _ := fake.AddPersonalToken(admin, "vault-sandbox", []string{"api"}, time.Now().Add(fakeTokenLife))
	url, stop, err := fakeserver.ServeLoopback(fake.Handler())
	if err != nil {
		return connection{}, err
	}
	started(stop)

	local, err := startBackends(ctx, filepath.Join(dir, "gitlab-git"), backendAuth{
		git: func(r *http.Request, repo string) error {
			return fake.CheckBasicAuth(r, repo, "read_repository")
		},
		registry: func(r *http.Request, repo string) error {
			return fake.CheckBasicAuth(r, repo, "read_registry")
		},
	}, logf, started)
	if err != nil {
		return connection{}, err
	}

	conn := gitlabRoles(connection{
		name: "gitlab", label: "fake GitLab", url: url,
		summary: "admin " + fakeAdmin + " (api token), group " + fakeGroup + " with service account " + fakeServiceAccount +
			", projects " + fakeProject + " and " + ciOtherProject,
		config: map[string]any{
			"provider": "gitlab", "token": token, "base_url": url,
			"registry_host": local.registryHost,
		},
	}, fakeProject)
	conn.roles = append(conn.roles, role{"gl-sa", map[string]any{
		"config": "gitlab", "token_type": "service_account", "path": fakeGroup,
		"service_account": fakeServiceAccount, "scopes": "read_repository",
	}})
	conn.local = &local
	return conn, nil
}

// gitlabRoles adds the sandbox's GitLab roles for project to conn.
func gitlabRoles(conn connection, project string) connection {
	conn.roles = []role{
		{"gl-project", map[string]any{
			"config": "gitlab", "token_type": "project", "path": project,
			"scopes": "read_repository", "access_level": "developer",
		}},
		{"gl-deploy", map[string]any{
			"config": "gitlab", "token_type": "deploy", "path": project,
			"scopes": "read_registry,read_repository",
		}},
	}
	return conn
}
