# Vault Agent on a CD host (or any machine with kubectl access to the
# cluster): keeps the Secret apps/gitlab-registry filled with a live GitLab
# deploy token.
#
# Agent fetches a new deploy token at about 90% of each lease, re-renders the
# manifest and runs kubectl apply; the previous token is revoked when its own
# lease ends, after the Secret already holds the new one.

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
  exit_on_retry_failure = true
}

template {
  source               = "/etc/vault-agent/pull-secret.yaml.ctmpl"
  destination          = "/run/vault-agent/pull-secret.yaml"
  perms                = "0600"
  error_on_missing_key = true

  exec {
    command = ["kubectl", "apply", "-f", "/run/vault-agent/pull-secret.yaml"]
    timeout = "30s"
  }
}
