package registryserver

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/crane"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
)

// ErrRefused is what Pull returns, wrapped, when the registry refused the
// credentials.
var ErrRefused = errors.New("registryserver: the registry refused the credentials")

// Pull pulls ref ("127.0.0.1:5000/acme/app:latest") the way crane does,
// with credentials from keychain (authn.DefaultKeychain reads
// $DOCKER_CONFIG/config.json), reads every layer to the end, and returns the
// manifest digest. When the registry answers 401 the error wraps ErrRefused.
func Pull(ctx context.Context, ref string, keychain authn.Keychain) (v1.Hash, error) {
	digest, err := pull(ctx, ref, keychain)
	var terr *transport.Error
	if errors.As(err, &terr) && terr.StatusCode == http.StatusUnauthorized {
		return v1.Hash{}, fmt.Errorf("%w: %w", ErrRefused, err)
	}
	return digest, err
}

func pull(ctx context.Context, ref string, keychain authn.Keychain) (v1.Hash, error) {
	img, err := crane.Pull(ref, crane.WithAuthFromKeychain(keychain), crane.WithContext(ctx))
	if err != nil {
		return v1.Hash{}, err
	}
	layers, err := img.Layers()
	if err != nil {
		return v1.Hash{}, err
	}
	for _, layer := range layers {
		if err := drain(layer); err != nil {
			return v1.Hash{}, err
		}
	}
	return img.Digest()
}

// drain downloads a layer's blob; the reader checks it against its digest.
func drain(layer v1.Layer) error {
	rc, err := layer.Compressed()
	if err != nil {
		return err
	}
	defer rc.Close()
	_, err = io.Copy(io.Discard, rc)
	return err
}
