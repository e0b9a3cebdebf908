terraform {
  required_version = ">= 1.5"

  required_providers {
    vault = {
      source  = "hashicorp/vault"
      version = ">= 4.0"
    }
  }
}

# Address and token come from VAULT_ADDR and VAULT_TOKEN.
#
# The provider normally works through a child token that lives 20 minutes
# (max_lease_ttl_seconds = 1200). Leases created during a run are children of
# that token, so Vault revokes them, and the engine revokes the GitHub or
# GitLab token, about 20 minutes after the run starts, whatever the role's
# ttl. skip_child_token = true makes the leases children of your own token
# instead (they then live their full ttl, or until your token expires).
provider "vault" {
  # skip_child_token = true
}
