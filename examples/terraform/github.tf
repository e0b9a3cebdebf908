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
  })
}

# A role. Values are written in the form the engine reads them back
# (lower-case names, sorted repositories, TTLs in seconds), so the plan stays
# empty after the first apply.
resource "vault_generic_endpoint" "role_ci" {
  path                 = "${var.mount}/roles/ci"
  ignore_absent_fields = true

  data_json = jsonencode({
    config       = "github"
    token_type   = "installation"
    owner        = "acme"
    repositories = ["app", "lib"]
    permissions = {
      contents      = "read"
      pull_requests = "write"
    }
    ttl     = 1800
    max_ttl = 3600
  })

  depends_on = [vault_generic_endpoint.github]
}

# A token, read at plan and apply time. Every refresh issues a new token and
# stores it in the state. The lease ends with the provider's child token
# (see versions.tf), about 20 minutes after the run starts.
data "vault_generic_secret" "ci" {
  path = "${var.mount}/creds/ci"

  depends_on = [vault_generic_endpoint.role_ci]
}
