terraform {
  required_version = ">= 1.5"

  required_providers {
    vault = {
      source = "hashicorp/vault"
      # Tested with 1.9.0 (see README.md); written for current releases too.
      version = ">= 1.9.0"
    }
  }
}

# Address and token come from VAULT_ADDR and VAULT_TOKEN.
provider "vault" {}
