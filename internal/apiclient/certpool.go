package apiclient

import (
	"crypto/x509"
	"errors"
)

// CertPool reads ca_cert, a PEM bundle. It replaces the system roots, as
// Vault's own ca_cert fields do, so a self-hosted server is trusted only
// through it.
func CertPool(bundle string) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM([]byte(bundle)) {
		return nil, errors.New("ca_cert holds no PEM certificate; give the CA bundle that signed the server's certificate")
	}
	return pool, nil
}
