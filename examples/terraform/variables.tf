variable "mount" {
  description = "Path the engine is mounted at."
  type        = string
  default     = "git"
}

variable "github_app_id" {
  description = "GitHub App ID."
  type        = number
}

variable "github_client_id" {
  description = "GitHub App client ID (Iv1.… or Iv23…)."
  type        = string
}

variable "github_app_private_key" {
  description = "GitHub App private key, PEM. Use file(\"key.pem\") or TF_VAR_github_app_private_key."
  type        = string
  sensitive   = true
}

variable "github_base_url" {
  description = "GitHub API root; for GitHub Enterprise Server https://HOST/api/v3."
  type        = string
  default     = "https://api.github.com"
}

variable "gitlab_token" {
  description = "The engine's GitLab token: a personal access token with the api scope."
  type        = string
  sensitive   = true
}

variable "gitlab_base_url" {
  description = "GitLab root; for self-managed GitLab https://HOST."
  type        = string
  default     = "https://gitlab.com"
}
