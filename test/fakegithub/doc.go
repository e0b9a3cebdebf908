// Package fakegithub is an in-process GitHub REST API for tests of code that
// authenticates as a GitHub App. It serves the endpoints such a client uses
// (the App, its installations, installation access tokens and their
// revocation) with GitHub's JSON shapes, and it enforces what GitHub enforces:
//
//   - a User-Agent header (403 without one) and a supported
//     X-GitHub-Api-Version when one is sent (400 otherwise);
//   - App JWTs: RS256 only, signed by one of the App's current keys, `iss`
//     equal to the App ID or client ID, `iat` at most 60 s ahead, `exp` in the
//     future, at most 10 minutes ahead and at most 600 s after `iat`;
//   - the right credential on each route: an App JWT on /app/..., /orgs/...,
//     /users/... and /repos/.../installation, an installation token on
//     /installation/... and on the repository routes a holder plays with
//     (GET /repos/{owner}/{repo}, POST .../keys: repos.go);
//   - a token reaches only its repositories (404 beyond them, also for Git
//     and registries through CheckBasicAuth) and its permissions;
//   - token narrowing: repositories and permissions within the installation,
//     or 422 with GitHub's message;
//   - token life: one hour by the injected clock, revocation, uninstall;
//   - a per-credential rate limit, with the x-ratelimit-* headers on every
//     response;
//   - opt-in, GitHub's secondary rate limits (Options.SecondaryLimits):
//     points per endpoint and identity per window, and requests in flight,
//     refused with 403 (or 429) and Retry-After.
//
// Every route is served both at the root (github.com style) and under
// /api/v3 (GitHub Enterprise Server); any other prefix is a 404, so a client
// that drops or doubles a path segment fails as it would against GHES.
//
// The server keeps state (issued tokens, call counts) that tests inspect, and
// injects faults (status codes, rate limits, latency, dropped connections
// before or after the action) so that retry and cleanup paths can be proved.
// Start ties a server to a test and fails the test when an issued token is
// still live at its end.
//
// Fault injection, call counting, the control API and Start's plumbing are
// shared with fakegitlab through package fakeserver.
//
// Behaviour not confirmed against GitHub is marked "assumed" where it is
// implemented.
package fakegithub
