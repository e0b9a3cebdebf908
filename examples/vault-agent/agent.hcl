# Vault Agent for vault-plugin-secrets-git.
#
# Keeps two files fresh from one role, git/creds/ci:
#   /run/vault-agent/git-credential       Git credential-helper answer (username, password)
#   /run/vault-agent/docker/config.json   Docker config for the registry (DOCKER_CONFIG)
#
# Both templates read the same secret, so Agent fetches one token for both.
# The lease is not renewable: Agent fetches a new token at about
# lease_renewal_threshold of the lease and re-renders both files; the old
# token keeps working until its own lease ends, then the engine revokes it.

vault {
  address = "https://vault.example.com:8200"
}

auto_auth {
  method "approle" {
    mount_path = "auth/approle"
    config = {
      role_id_file_path                   = "/etc/vault-agent/role-id"
      secret_id_file_path                 = "/etc/vault-agent/secret-id"
      remove_secret_id_file_after_reading = false
    }
  }
}

template_config {
  # Stop (and let the supervisor restart Agent) instead of serving stale files.
  exit_on_retry_failure = true
  # Fetch a new token at 80% of the lease instead of the default 90%.
  lease_renewal_threshold = 0.8
}

template {
  source      = "/etc/vault-agent/git-credential.ctmpl"
  destination = "/run/vault-agent/git-credential"
  perms       = "0600"
}

template {
  source               = "/etc/vault-agent/dockerconfig.ctmpl"
  destination          = "/run/vault-agent/docker/config.json"
  perms                = "0600"
  error_on_missing_key = true
}
