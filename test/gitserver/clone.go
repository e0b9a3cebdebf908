package gitserver

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// ErrRefused is what Clone returns, wrapped, when the server refused the
// credentials.
var ErrRefused = errors.New("gitserver: the server refused the credentials")

// Credentials are the basic-auth pair git sends, e.g. x-access-token and a
// GitHub token, or a GitLab deploy token's username and token.
type Credentials struct {
	Username string
	Password string
}

// credentialHelper answers git's "get" request from two environment
// variables. Passing the secret through the environment keeps it out of
// every command line (visible in ps) and out of the clone's remote URL,
// which git stores in the repository's config.
const credentialHelper = `!f() { test "$1" = get && printf 'username=%s\npassword=%s\n' "$GITSERVER_USERNAME" "$GITSERVER_PASSWORD"; }; f`

// Clone runs the system `git clone` of url into dir with cred and returns
// the commit the clone checked out. When the server answers 401 the error
// wraps ErrRefused. Errors quote git's output, which never contains the
// password.
func Clone(ctx context.Context, url, dir string, cred Credentials) (head string, err error) {
	bin, err := findGit()
	if err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, bin,
		// The empty value drops any helper configured before this one.
		"-c", "credential.helper=",
		"-c", "credential.helper="+credentialHelper,
		"clone", "--quiet", url, dir)
	cmd.Env = gitEnv(
		"GITSERVER_USERNAME="+cred.Username, "GITSERVER_PASSWORD="+cred.Password,
		// These servers run on loopback; curl, unlike Go, would send even
		// loopback requests through a proxy from the environment.
		"NO_PROXY=127.0.0.1,localhost,::1", "no_proxy=127.0.0.1,localhost,::1",
	)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		// git's wording for a 401 after it sent credentials; it has been
		// the same since git 1.7.
		if strings.Contains(msg, "Authentication failed") {
			return "", fmt.Errorf("%w: git clone: %s", ErrRefused, msg)
		}
		return "", fmt.Errorf("git clone: %w: %s", err, msg)
	}
	return runGit(ctx, "", "", "-C", dir, "rev-parse", "HEAD")
}
