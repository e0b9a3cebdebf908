output "ci_token_expires_at" {
  description = "When the GitHub token expires; its lease may end sooner (see versions.tf)."
  value       = data.vault_generic_secret.ci.data["expires_at"]
}

output "ci_token" {
  description = "The GitHub installation token, for a provider or module that needs one."
  value       = data.vault_generic_secret.ci.data["token"]
  sensitive   = true
}

output "registry_docker_config_json" {
  description = "A .dockerconfigjson document for the GitLab registry; null where the engine knows no registry (self-managed GitLab without registry_host)."
  value       = lookup(data.vault_generic_secret.registry_pull.data, "docker_config_json", null)
  sensitive   = true
}
