// Package registryserver is an in-memory OCI registry behind HTTP basic
// auth, for tests and the `make dev` sandbox, so that docker-style clients
// can prove that registry credentials work (and stop working once revoked).
//
// The registry itself is go-containerregistry's pkg/registry; this package
// only decides who may reach which repository. A request without basic
// credentials that an AuthFunc accepts gets 401 with a
// `WWW-Authenticate: Basic` challenge, which is what makes docker, crane and
// their kin send the credentials from config.json. The server is read-only
// for clients: pushes are refused after authentication, so a callback only
// ever judges pull access. Images are put in place with PushRandomImage,
// which goes straight to the registry and needs no credentials.
package registryserver
