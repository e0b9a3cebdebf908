terraform {
  required_version = ">= 1.5"

  required_providers {
    vault = {
      source  = "hashicorp/vault"
      version = ">= 1.9.0"
    }
  }
}

# Address and token come from VAULT_ADDR and VAULT_TOKEN.
#
# The provider works through a child token of VAULT_TOKEN that lives
# max_lease_ttl_seconds (default 1200, or TERRAFORM_VAULT_MAX_TTL). The
# tokens read below are leases of that child token: Vault revokes them, and
# the engine revokes them at GitHub or GitLab, when it expires, whatever the
# role's ttl. From provider 3.x on, skip_child_token = true makes them leases
# of VAULT_TOKEN instead (they then live their ttl, or until that token ends).
provider "vault" {
  # skip_child_token = true
}
