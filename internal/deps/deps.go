// Package deps holds the module's dependencies in go.mod while the packages
// that use them are being written. Delete it once they are all imported.
package deps

import (
	_ "github.com/golang-jwt/jwt/v5"
	_ "github.com/google/go-containerregistry/pkg/crane"
	_ "github.com/google/go-containerregistry/pkg/registry"
	_ "github.com/google/go-github/v75/github"
	_ "github.com/google/uuid"
	_ "github.com/hashicorp/go-hclog"
	_ "github.com/hashicorp/vault/api"
	_ "github.com/hashicorp/vault/sdk/framework"
	_ "github.com/hashicorp/vault/sdk/helper/automatedrotationutil"
	_ "github.com/hashicorp/vault/sdk/helper/locksutil"
	_ "github.com/hashicorp/vault/sdk/logical"
	_ "github.com/hashicorp/vault/sdk/plugin"
	_ "github.com/hashicorp/vault/sdk/queue"
	_ "github.com/hashicorp/vault/sdk/rotation"
	_ "github.com/robfig/cron/v3"
	_ "gitlab.com/gitlab-org/api/client-go/v2"
)
