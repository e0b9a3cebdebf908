variable "mount" {
  description = "Path the engine is mounted at."
  type        = string
  default     = "git"
}

variable "gitlab_config" {
  description = "The engine's GitLab connection (config/NAME) the role issues from."
  type        = string
  default     = "gitlab"
}

variable "jwt_path" {
  description = "Path to mount JWT auth at; jobs log in at auth/PATH/login."
  type        = string
  default     = "jwt"
}

variable "ci_issuer" {
  description = "Your GitLab's URL (https://gitlab.com or https://HOST): the ID tokens' iss, and where Vault finds the signing keys (OIDC discovery)."
  type        = string
}

variable "audience" {
  description = "The aud your jobs mint their ID tokens for (id_tokens: aud: in .gitlab-ci.yml)."
  type        = string
}

variable "projects" {
  description = "The allowlist: paths of the projects whose jobs may log in."
  type        = list(string)
}

variable "role" {
  description = "Name of the JWT role and of the engine role jobs read (creds/NAME)."
  type        = string
  default     = "gitlab-ci"
}
