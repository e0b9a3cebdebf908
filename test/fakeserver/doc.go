// Package fakeserver holds what the fake provider servers (fakegithub and
// fakegitlab) share, so that each fake is only its provider: routes, JSON
// shapes, authentication, error bodies and rate-limit headers.
//
// The shared parts are:
//
//   - Fault and Faults: failures a test injects per method and route
//     (status codes, Retry-After, an exhausted rate limit, latency, a
//     connection dropped before or after the request is acted on), and
//     Faults.Serve, which acts them out around the fake's own answer;
//   - CallCounter: request counts per method and route;
//   - ControlHandler: the /_fake/ HTTP API through which a test in another
//     process reads the counts and the tokens and injects faults;
//   - Host: a fake on an httptest server for one test, closed at its end,
//     failing the test when the fake still holds a live token; over HTTPS
//     with a PrivateCA's certificate, for self-hosted providers' ca_cert;
//   - Standalone: a fake served by a cmd/ binary;
//   - Clock and RecordingTB, for the fakes' own tests.
package fakeserver
