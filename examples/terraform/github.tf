# The GitHub App connection. private_key is write-only in Vault: a read never
# returns it, and ignore_absent_fields keeps Terraform from seeing that as
# drift. The key is still stored in Terraform state; protect the state.
resource "vault_generic_endpoint" "github" {
  path                 = "${var.mount}/config/github"
  ignore_absent_fields = true

  data_json = jsonencode({
    provider    = "github"
    app_id      = var.github_app_id
    client_id   = var.github_client_id
    private_key = var.github_app_private_key
    # The engine reads base_url back without a trailing slash.
    base_url = trimsuffix(var.github_base_url, "/")
  })
}

# A role. Values are written in the form the engine reads them back, so the
# plan stays empty after the first apply: TTLs in seconds (not "30m"), owner
# and repositories lower-case, repositories sorted (see README.md).
resource "vault_generic_endpoint" "role_ci" {
  path                 = "${var.mount}/roles/ci"
  ignore_absent_fields = true

  data_json = jsonencode({
    config       = "github"
    token_type   = "installation"
    owner        = "acme"
    repositories = sort(["infra", "app"])
    permissions = {
      contents      = "read"
      pull_requests = "write"
    }
    ttl     = 30 * 60
    max_ttl = 60 * 60
  })

  depends_on = [vault_generic_endpoint.github]
}
