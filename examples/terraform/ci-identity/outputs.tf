output "jwt_accessor" {
  description = "The JWT auth mount's accessor, which the engine role's template names."
  value       = vault_jwt_auth_backend.jwt.accessor
}

output "login_path" {
  description = "Where jobs log in: vault write auth/.../login role=ROLE jwt=$VAULT_ID_TOKEN."
  value       = "auth/${vault_jwt_auth_backend.jwt.path}/login"
}
