package e2e

import (
	"encoding/json"
	"strings"
	"testing"
)

// testSelfManagedRegistry: connections whose base_url is not the public
// api.github.com or gitlab.com (the fakes here) never pair their tokens
// with ghcr.io or registry.gitlab.com. The config write warns, a config
// read shows no registry_host, a GitHub token with packages gets no
// registry output, and a GitLab deploy token gets the registry the
// instance names in the project's container_registry_image_prefix.
func testSelfManagedRegistry(t *testing.T, e *engine) {
	for name, fields := range map[string]map[string]any{
		"gh": {"base_url": e.gh.URL()},
		"gl": {"base_url": e.gl.URL()},
	} {
		s, err := e.v.api().Logical().Write(e.path+"/config/"+name, fields)
		if err != nil {
			t.Fatalf("write %s/config/%s: %v", e.path, name, err)
		}
		if s == nil || !strings.Contains(strings.Join(s.Warnings, "\n"), "registry_host is not set") {
			t.Errorf("config/%s write on a self-hosted base_url gave no registry_host warning: %#v", name, s)
		}
		var read struct {
			Data map[string]any `json:"data"`
		}
		out := e.v.vault(t, "read", "-format=json", e.path+"/config/"+name)
		if err := json.Unmarshal([]byte(out), &read); err != nil {
			t.Fatal(err)
		}
		if read.Data["registry_host"] != "" {
			t.Errorf("vault read config/%s: registry_host = %v, want empty", name, read.Data["registry_host"])
		}
	}

	e.writeRole(t, "gh-packages", "config=gh", "owner="+githubOwner, "repositories=app", "permissions=packages=read")
	e.writeRole(t, "gl-deploy", role("gl-deploy")...)
	e.writeRole(t, "gl-group", role("gl-group")...)
	gh := e.readCreds(t, "gh-packages")
	deploy := e.readCreds(t, "gl-deploy")
	group := e.readCreds(t, "gl-group")
	defer e.revokeAll(t, gh, deploy, group)

	for _, c := range []*creds{gh, group} {
		// docker_config_json holds the token: only its presence is shown.
		if _, has := c.Data["docker_config_json"]; has {
			t.Errorf("%v (role %v) has a docker_config_json (registry %v); nothing names a registry for it", c, c.Data["role"], c.Data["registry"])
		} else if v, has := c.Data["registry"]; has {
			t.Errorf("%v (role %v): registry = %v; nothing names a registry for it", c, c.Data["role"], v)
		}
	}
	// The fake GitLab names a registry on its own host and port.
	want := strings.TrimPrefix(e.gl.URL(), "http://")
	if deploy.Data["registry"] != want {
		t.Errorf("%v: registry = %v, want %s, the one GitLab names", deploy, deploy.Data["registry"], want)
	}
	doc, _ := deploy.Data["docker_config_json"].(string)
	if strings.Contains(doc, "registry.gitlab.com") || !strings.Contains(doc, `"`+want+`"`) {
		t.Errorf("%v: docker_config_json does not name %s alone", deploy, want)
	}
}
