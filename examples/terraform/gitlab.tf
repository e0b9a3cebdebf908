# The GitLab connection. token is write-only in Vault (see github.tf).
resource "vault_generic_endpoint" "gitlab" {
  path                 = "${var.mount}/config/gitlab"
  ignore_absent_fields = true

  data_json = jsonencode({
    provider = "gitlab"
    token    = var.gitlab_token
    base_url = trimsuffix(var.gitlab_base_url, "/")
  })
}

# A deploy token that can pull the images of acme/app.
resource "vault_generic_endpoint" "role_registry_pull" {
  path                 = "${var.mount}/roles/registry-pull"
  ignore_absent_fields = true

  data_json = jsonencode({
    config     = "gitlab"
    token_type = "deploy"
    path       = "acme/app"
    scopes     = ["read_registry"]
    ttl        = 24 * 60 * 60
  })

  depends_on = [vault_generic_endpoint.gitlab]
}
