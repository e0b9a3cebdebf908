package registryserver

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// PushRandomImage stores a small image of random layers as repo:tag
// ("acme/app", "latest") and returns its manifest digest. It pushes without
// credentials, over a loopback listener of its own that serves the registry
// without auth and closes when the push is done.
func (s *Server) PushRandomImage(ctx context.Context, repo, tag string) (v1.Hash, error) {
	// name.NewTag accepts some names the registry API cannot route.
	if got, _ := repoName("/v2/" + repo + "/manifests/" + tag); got != repo {
		return v1.Hash{}, fmt.Errorf("registryserver: bad repository name %q", repo)
	}
	img, err := random.Image(512, 2)
	if err != nil {
		return v1.Hash{}, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return v1.Hash{}, err
	}
	setup := &http.Server{Handler: s.registry, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = setup.Serve(ln) }()
	defer setup.Close()

	// A loopback registry is spoken to over plain HTTP.
	ref, err := name.NewTag(ln.Addr().String()+"/"+repo+":"+tag, name.StrictValidation)
	if err != nil {
		return v1.Hash{}, fmt.Errorf("registryserver: %w", err)
	}
	if err := remote.Write(ref, img, remote.WithContext(ctx)); err != nil {
		return v1.Hash{}, fmt.Errorf("registryserver: push %s:%s: %w", repo, tag, err)
	}
	return img.Digest()
}
