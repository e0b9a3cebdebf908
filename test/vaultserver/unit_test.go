package vaultserver

import (
	"strings"
	"testing"
)

func TestCommandNameStopsBeforeArguments(t *testing.T) {
	t.Parallel()
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"secrets", "enable", "-path=git", "plugin"}, "secrets enable"},
		{[]string{"write", "git/config/gitlab", "token=glpat-secret"}, "write"},
		{[]string{"lease", "revoke", "git/creds/x/abc"}, "lease revoke"},
		{[]string{"kv", "put", "secret/app", "k=v"}, "kv put"},
		{[]string{"login", "hvs.roottoken"}, "login"},
		{[]string{"plugin", "-h"}, "plugin"},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := commandName(tt.args); got != tt.want {
			t.Errorf("commandName(%q) = %q, want %q", tt.args, got, tt.want)
		}
	}
}

func TestConfigHCL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		opts    Options
		ep      endpoints
		want    []string
		notWant []string
	}{
		{
			name: "file",
			opts: Options{Storage: StorageFile, DataDir: "/d", PluginDir: "/p"},
			ep:   endpoints{apiPort: 8200},
			want: []string{
				`api_addr = "http://127.0.0.1:8200"`, `plugin_directory = "/p"`,
				`address = "127.0.0.1:8200"`, `tls_disable = true`,
				`storage "file" {`, `path = "/d/storage"`, `disable_mlock = true`,
			},
			notWant: []string{"cluster_addr", "node_id"},
		},
		{
			name: "raft",
			opts: Options{Storage: StorageRaft, DataDir: "/d", ExtraConfig: `default_lease_ttl = "1m"`},
			ep:   endpoints{apiPort: 8200, clusterPort: 8201},
			want: []string{
				`cluster_addr = "https://127.0.0.1:8201"`, `cluster_address = "127.0.0.1:8201"`,
				`storage "raft" {`, `node_id = "node1"`, `default_lease_ttl = "1m"`,
				`performance_multiplier = 1`,
			},
			notWant: []string{"plugin_directory", "retry_join"},
		},
		{
			name: "raft node joining a cluster",
			opts: Options{Storage: StorageRaft, DataDir: "/d", RaftNodeID: "node2", raftLeader: "http://127.0.0.1:8200", clusterNode: true},
			ep:   endpoints{apiPort: 8210, clusterPort: 8211},
			want: []string{
				`node_id = "node2"`, `retry_join {`, `leader_api_addr = "http://127.0.0.1:8200"`,
				`cluster_addr = "https://127.0.0.1:8211"`,
			},
			notWant: []string{`node_id = "node1"`, "performance_multiplier"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := configHCL(tt.opts, tt.ep)
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("config lacks %q:\n%s", w, got)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(got, w) {
					t.Errorf("config has %q:\n%s", w, got)
				}
			}
		})
	}
}
