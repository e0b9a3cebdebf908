output "ci_token_expires_at" {
  description = "When the GitHub token's lease ends (the engine revokes it then)."
  value       = data.vault_generic_secret.ci.data["expires_at"]
}

output "ci_token" {
  description = "The GitHub installation token, for a provider or module that needs one."
  value       = data.vault_generic_secret.ci.data["token"]
  sensitive   = true
}

output "registry_docker_config_json" {
  description = "A .dockerconfigjson document for registry.gitlab.com."
  value       = data.vault_generic_secret.registry_pull.data["docker_config_json"]
  sensitive   = true
}
