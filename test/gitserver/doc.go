// Package gitserver serves bare Git repositories over smart HTTP for tests
// and the `make dev` sandbox, so that the real `git` client can prove a
// token works (and stops working once revoked).
//
// The protocol is spoken by the system's `git http-backend`, run as a CGI
// program; this package only decides who may reach which repository. Every
// request must carry HTTP basic credentials that an AuthFunc accepts, or it
// gets 401 with a `WWW-Authenticate: Basic` challenge, which is what makes
// git ask its credential helper. Fetches and clones work; pushes are refused
// after authentication unless Options.PushAuth also accepts them.
//
// Repositories live under a root directory as <path>.git, for example
// root/acme/app.git, and are cloned from http://HOST/acme/app.git. CreateRepo
// makes one with a single commit; Clone runs `git clone` with credentials
// that never appear in a command line.
package gitserver
