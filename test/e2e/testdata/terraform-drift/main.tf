# Values written the way Terraform users write them, next to the stable form
# examples/terraform/README.md shows. The engine reads values back normalised
# (TTLs in seconds, lists sorted and lower-case, base_url without a trailing
# slash); vault_generic_endpoint compares what it reads with what was written,
# so each "as_written" resource shows a change on every plan and each
# "stable" one shows none. TestTerraform checks exactly that.
terraform {
  required_providers {
    vault = {
      source = "hashicorp/vault"
    }
  }
}

provider "vault" {}

variable "mount" {
  type = string
}

variable "github_app_id" {
  type = number
}

variable "github_app_private_key" {
  type      = string
  sensitive = true
}

variable "github_base_url" {
  description = "The API root with a trailing slash, as users copy it."
  type        = string
}

locals {
  # An unsorted list with an upper-case name, as users type it.
  repositories = ["infra", "App"]
}

resource "vault_generic_endpoint" "config_stable" {
  path                 = "${var.mount}/config/drift-stable"
  ignore_absent_fields = true
  data_json = jsonencode({
    provider    = "github"
    app_id      = var.github_app_id
    private_key = var.github_app_private_key
    base_url    = trimsuffix(var.github_base_url, "/")
  })
}

resource "vault_generic_endpoint" "config_base_url_as_written" {
  path                 = "${var.mount}/config/drift-base-url"
  ignore_absent_fields = true
  data_json = jsonencode({
    provider    = "github"
    app_id      = var.github_app_id
    private_key = var.github_app_private_key
    base_url    = var.github_base_url
  })
}

resource "vault_generic_endpoint" "role_stable" {
  path                 = "${var.mount}/roles/drift-stable"
  ignore_absent_fields = true
  data_json = jsonencode({
    config       = "drift-stable"
    owner        = lower("Acme")
    repositories = sort([for r in local.repositories : lower(r)])
    ttl          = 10 * 60
  })
  depends_on = [vault_generic_endpoint.config_stable]
}

resource "vault_generic_endpoint" "role_ttl_as_written" {
  path                 = "${var.mount}/roles/drift-ttl"
  ignore_absent_fields = true
  data_json = jsonencode({
    config       = "drift-stable"
    owner        = "acme"
    repositories = ["app", "infra"]
    ttl          = "10m"
  })
  depends_on = [vault_generic_endpoint.config_stable]
}

resource "vault_generic_endpoint" "role_repositories_as_written" {
  path                 = "${var.mount}/roles/drift-repositories"
  ignore_absent_fields = true
  data_json = jsonencode({
    config       = "drift-stable"
    owner        = "acme"
    repositories = local.repositories
    ttl          = 600
  })
  depends_on = [vault_generic_endpoint.config_stable]
}
