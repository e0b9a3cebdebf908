// Package fakegitea is an in-memory Gitea / Forgejo server (API v1) for
// tests of the plugin's Gitea provider.
//
// It serves the real endpoints and JSON shapes of the parts the provider
// uses and enforces what the real servers enforce. Sources, by rule:
//
//   - Token management (GET/POST /users/{username}/tokens,
//     DELETE /users/{username}/tokens/{id or name}): Gitea's
//     routers/api/v1/user/app.go and its route group in api.go
//     (reqSelfOrAdmin, reqBasicOrRevProxyAuth): basic auth of the user (a
//     site admin may act for others); a duplicate name is a 400 "access
//     token name has been used already"; an unknown scope a 400 "invalid
//     access token scope provided: ..."; create answers 201 with id, name,
//     sha1, token_last_eight (and scopes); delete answers 204, 404 for an id
//     or name it does not find, 422 for a name matching several tokens.
//     "Authorization: token X" is refused (401 "auth required"). A token
//     given as the basic-auth password is taken by Gitea (basic.go signs it
//     in under the basic method, which is all reqBasicOrRevProxyAuth asks)
//     when it holds read:user (list) or write:user (create, delete), so a
//     write:user token mints tokens of any scope; Forgejo refuses it
//     (ReqBasicOrRevProxyAuth wants a password sign-in: 401 "auth method
//     not allowed").
//   - Scopes (Gitea's and Forgejo's "Access Token scope" documentation):
//     read:X and write:X for X in activitypub, admin, issue, misc,
//     notification, organization, package, repository, user; write implies
//     read; "all" is every scope at write. A token without the scope a route
//     needs gets 403 "token does not have at least one of required
//     scope(s): [read:user]" (the wording real servers answer).
//   - Token auth on the API: "Authorization: token X" (also "bearer"); a
//     deleted token is a 401.
//   - Repository restriction (Forgejo v15.0, PR #11504 "read, create, &
//     delete repo-specific access tokens via API"): CreateAccessTokenOption
//     takes "repositories": [{"owner","name"}]; the AccessToken answer then
//     lists them ([{id, name, owner, full_name}]; null when unrestricted). A
//     restricted token reaches only the named repositories and loses the
//     owner's site-admin powers (PR #11468); it may not edit a repository's
//     settings (PR #11736). Which scopes Forgejo lets a restricted token
//     hold was not confirmed; the fake refuses only the admin scopes with
//     it. In Gitea mode the field is ignored, silently, as Gitea's JSON
//     binding ignores unknown fields: the token is unrestricted.
//   - GET /version answers {"version": "1.24.6"} (Gitea) or
//     "15.0.1+gitea-1.22.0" (Forgejo, whose versions carry the Gitea
//     version they are compatible with as build metadata since v7.0).
//   - PATCH /admin/users/{username} (Gitea's routers/api/v1/admin/user.go,
//     EditUserOption): site admins only (403 otherwise); password sets the
//     password; must_change_password, when true, leaves the user unable to
//     use the API with basic auth until it changes it (403), as Gitea does.
//   - GET /api/v1/user: the authenticated user, with is_admin, login_name
//     and source_id.
//   - Registry: GET /v2/token with basic auth of "username:token" answers a
//     bearer token when the token holds read:package (Gitea's container
//     registry takes an access token as the password), 401 otherwise.
//
// Faults (status codes, Retry-After, latency, dropped connections, drops
// after the change was made, holds) come from package fakeserver and are
// matched by method and route pattern (e.g. "/users/{username}/tokens").
// Start fails the test when a token created through the API is still live
// at its end.
package fakegitea
