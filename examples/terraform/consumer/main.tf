# Tokens for this run. A data source is read on every plan, refresh and
# apply, and each read issues a new token, so reads of creds/ live in a
# module of their own, apart from the module that manages the connections
# and roles (one directory up): planning that one then issues no token.
data "vault_generic_secret" "ci" {
  path = "${var.mount}/creds/ci"
}

data "vault_generic_secret" "registry_pull" {
  path = "${var.mount}/creds/registry-pull"
}
