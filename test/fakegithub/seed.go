package fakegithub

import (
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
)

// Seed is the JSON a standalone fake starts from.
type Seed struct {
	Apps          []SeedApp          `json:"apps"`
	Installations []SeedInstallation `json:"installations"`
}

// SeedApp is an App with its keys as PEM. Public keys ("PUBLIC KEY", "RSA
// PUBLIC KEY") are expected; a private key is accepted and only its public
// half kept, which saves end-to-end tests a conversion step.
type SeedApp struct {
	ID       int64    `json:"id"`
	ClientID string   `json:"client_id"`
	Slug     string   `json:"slug"`
	Name     string   `json:"name"`
	Owner    string   `json:"owner"`
	Keys     []string `json:"public_keys"`
}

// SeedInstallation mirrors Installation. Leave repositories out (or null)
// for repository_selection "all".
type SeedInstallation struct {
	ID           int64             `json:"id"`
	AppID        int64             `json:"app_id"`
	Account      string            `json:"account"`
	AccountType  string            `json:"account_type"`
	Repositories []string          `json:"repositories"`
	AllRepos     []string          `json:"all_repos"`
	Permissions  map[string]string `json:"permissions"`
}

// LoadSeed reads a Seed and adds its Apps and installations. Nothing is
// added unless the whole seed is valid.
func (s *Server) LoadSeed(r io.Reader) error {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var seed Seed
	if err := dec.Decode(&seed); err != nil {
		return fmt.Errorf("decode seed: %w", err)
	}

	apps := map[int64][]*rsa.PublicKey{}
	for _, app := range seed.Apps {
		if app.ID <= 0 {
			return errors.New("seed: every app needs a positive id")
		}
		for i, block := range app.Keys {
			key, err := parsePublicKeyPEM([]byte(block))
			if err != nil {
				return fmt.Errorf("seed: app %d key %d: %w", app.ID, i, err)
			}
			apps[app.ID] = append(apps[app.ID], key)
		}
	}
	for _, in := range seed.Installations {
		if _, ok := apps[in.AppID]; !ok {
			return fmt.Errorf("seed: installation %d names app %d, which the seed does not define", in.ID, in.AppID)
		}
		if in.Account == "" {
			return fmt.Errorf("seed: installation %d needs an account", in.ID)
		}
		if in.AccountType != "" && in.AccountType != "Organization" && in.AccountType != "User" {
			return fmt.Errorf("seed: installation %d: account_type must be Organization or User", in.ID)
		}
	}

	for _, app := range seed.Apps {
		s.AddApp(App{ID: app.ID, ClientID: app.ClientID, Slug: app.Slug, Name: app.Name, Owner: app.Owner}, apps[app.ID]...)
	}
	for _, in := range seed.Installations {
		s.AddInstallation(Installation(in))
	}
	return nil
}

// parsePublicKeyPEM reads an RSA public key from a PEM block. Errors do not
// quote the input, which may be a private key.
func parsePublicKeyPEM(data []byte) (*rsa.PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, errors.New("no PEM block")
	}
	var key any
	var err error
	switch block.Type {
	case "PUBLIC KEY":
		key, err = x509.ParsePKIXPublicKey(block.Bytes)
	case "RSA PUBLIC KEY":
		key, err = x509.ParsePKCS1PublicKey(block.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
	default:
		return nil, fmt.Errorf("unsupported PEM type %q", block.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", block.Type, err)
	}
	switch k := key.(type) {
	case *rsa.PublicKey:
		return k, nil
	case *rsa.PrivateKey:
		return &k.PublicKey, nil
	}
	return nil, errors.New("not an RSA key")
}
