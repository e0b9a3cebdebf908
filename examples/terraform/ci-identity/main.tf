# CI jobs get a GitLab token for their own project, and nothing else
# (docs/ci.md): JWT auth lets in the jobs of the allowlisted projects, a
# policy lets them read one engine role, and that role takes the project
# from the job's identity on every request.

# JWT auth trusting your GitLab's ID tokens. oidc_discovery_url is both the
# issuer and where Vault fetches the signing keys.
resource "vault_jwt_auth_backend" "jwt" {
  path               = var.jwt_path
  type               = "jwt"
  oidc_discovery_url = var.ci_issuer
  bound_issuer       = var.ci_issuer
}

# What a job's Vault token may do: read this one engine role.
resource "vault_policy" "ci" {
  name   = var.role
  policy = <<-EOT
    path "${var.mount}/creds/${var.role}" {
      capabilities = ["read"]
    }
  EOT
}

# The login role. bound_claims is the allowlist: a job of a project not
# listed, or of an unprotected ref, is refused at login. user_claim is the
# project id, unique per project, so each project has its own entity alias
# and its jobs cannot be filled with another project's claims (docs/ci.md).
# claim_mappings put the claims the engine role's template reads, and those
# tokens/ shows, on that alias.
#
# Written with vault_generic_endpoint rather than vault_jwt_auth_backend_role:
# no set of that resource's arguments works in both provider 1.9.0 and
# current releases (see README.md). Values are in the form Vault reads them
# back (seconds, a sorted list), so plans stay empty.
resource "vault_generic_endpoint" "jwt_role" {
  path                 = "auth/${vault_jwt_auth_backend.jwt.path}/role/${var.role}"
  ignore_absent_fields = true

  data_json = jsonencode({
    role_type         = "jwt"
    user_claim        = "project_id"
    bound_audiences   = [var.audience]
    bound_claims_type = "string"
    bound_claims = {
      project_path  = sort(var.projects)
      ref_protected = "true"
    }
    claim_mappings = {
      project_path   = "project_path"
      namespace_path = "namespace_path"
      pipeline_id    = "pipeline_id"
      job_id         = "job_id"
      ref            = "ref"
      user_login     = "user_login"
    }
    token_policies = [vault_policy.ci.name]
    # Keep it close to a job's length: a job that does not revoke its token
    # keeps the GitLab token until then.
    token_ttl = 60 * 60
  })
}

# The engine role: a project access token for the job's own project. The
# template names the JWT mount by its accessor, so it follows the mount
# Terraform manages; re-creating the mount re-writes the role.
resource "vault_generic_endpoint" "engine_role" {
  path                 = "${var.mount}/roles/${var.role}"
  ignore_absent_fields = true

  data_json = jsonencode({
    config         = var.gitlab_config
    token_type     = "project"
    scope_template = true
    path           = "{{identity.entity.aliases.${vault_jwt_auth_backend.jwt.accessor}.metadata.project_path}}"
    scopes         = sort(["read_repository", "read_registry"])
    access_level   = "reporter"
    ttl            = 60 * 60
  })
}
