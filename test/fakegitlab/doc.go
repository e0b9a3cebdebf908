// Package fakegitlab is an in-memory GitLab REST v4 server for tests of the
// plugin's GitLab provider.
//
// It serves the real endpoints and JSON shapes of the parts of GitLab the
// plugin uses (personal, project, group and deploy tokens, group and instance
// service accounts and their tokens, and the look-ups around them), and
// enforces what GitLab enforces: token scopes on the API, membership
// levels, the level ceiling on new tokens, date-only expiry at 00:00 UTC,
// the 365-day cap, rotation with reuse detection. The behaviour was
// taken from GitLab's own source (lib/api, app/services, app/models) and from
// responses recorded against real GitLab instances; where GitLab's exact
// wording could not be confirmed, the code says so.
//
// State lives behind one mutex, and the clock is injectable (Options.Now), so
// tests of expiry around UTC midnight need no sleeping. Faults (status codes,
// rate limits, latency, dropped connections, connections dropped after the
// change was made) are injected per method and route.
//
// Start registers a cleanup that fails the test when a token created through
// the API is still live at the end: a test that leaks a token fails here even
// when the code under test believes it revoked it.
//
// Fault injection, call counting, the control API and Start's plumbing are
// shared with fakegithub through package fakeserver.
//
// Rotation follows GitLab's API documentation (personal, project and group
// access tokens APIs, "Rotate a … access token" and "Self-rotate") and its
// RotateService: POST /personal_access_tokens/self/rotate and
// POST /projects|groups/:id/access_tokens/self/rotate rotate the token that
// authenticates the call, which needs the api or self_rotate scope (the
// project and group forms answer 405 to a person's token); …/:token_id/rotate
// rotates by id with a manager's token. The successor keeps the name,
// description, scopes, level and owner (the same bot user), and the
// predecessor is revoked at once. expires_at is optional: one week when
// omitted, at most 365 days ahead. Revoking the predecessor afterwards does
// not end the successor: personal tokens are revoked one at a time, and
// since GitLab 17.9 revoking a project or group token keeps its bot user
// (see revokeResourceToken).
//
// Deliberate differences from GitLab, each chosen to make bugs visible:
//   - users, groups and projects share one id sequence, and all tokens share
//     another, so an id sent to the wrong endpoint is a 404 rather than a hit
//     on an unrelated object;
//   - an access token expiry of today or earlier is refused (GitLab may create
//     a token that is already dead);
//   - deleting a personal access token that is already revoked answers 404;
//   - rotating an already-revoked token by id, with some other live token,
//     also revokes the token's family, as GitLab's documentation describes
//     (GitLab's code does that only when the revoked token itself calls
//     rotate).
package fakegitlab
