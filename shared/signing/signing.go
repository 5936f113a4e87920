// Package signing is the evidence signing key as the domain sees it: a
// signer of SHA-256 digests with an ECDSA P-256 key (AWS KMS ECC_NIST_P256 in
// the cloud, Local KMS locally, an in-memory key in unit tests), whose
// signatures are ASN.1 DER, so that anyone holding the public key verifies
// them with `openssl dgst -sha256 -verify public.pem -signature file.sig file`.
// It imports no AWS package.
package signing

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// Signer signs with the evidence key.
type Signer interface {
	// Sign returns the DER-encoded ECDSA signature of digest, the SHA-256
	// of the signed message.
	Sign(ctx context.Context, digest [sha256.Size]byte) ([]byte, error)
	// PublicKeyPEM returns the public key as a PEM "PUBLIC KEY" block
	// (SubjectPublicKeyInfo), the form openssl reads.
	PublicKeyPEM(ctx context.Context) ([]byte, error)
	// KeyID names the key (a KMS key ARN or alias, "local" for a local key).
	KeyID() string
}

// SignMessage signs the SHA-256 digest of msg.
func SignMessage(ctx context.Context, s Signer, msg []byte) ([]byte, error) {
	return s.Sign(ctx, sha256.Sum256(msg))
}

// Verify reports whether sig is a valid DER ECDSA signature of msg's SHA-256
// digest by the P-256 public key in pemKey.
func Verify(pemKey, msg, sig []byte) error {
	pub, err := ParsePublicKey(pemKey)
	if err != nil {
		return err
	}
	d := sha256.Sum256(msg)
	if !ecdsa.VerifyASN1(pub, d[:], sig) {
		return errors.New("signature does not verify")
	}
	return nil
}

// ParsePublicKey reads a PEM "PUBLIC KEY" block holding an ECDSA key.
func ParsePublicKey(pemKey []byte) (*ecdsa.PublicKey, error) {
	block, _ := pem.Decode(pemKey)
	if block == nil || block.Type != "PUBLIC KEY" {
		return nil, errors.New("not a PEM PUBLIC KEY block")
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, fmt.Errorf("parse public key: %w", err)
	}
	pub, ok := k.(*ecdsa.PublicKey)
	if !ok {
		return nil, fmt.Errorf("public key is %T, not ECDSA", k)
	}
	return pub, nil
}

// EncodePublicKey returns the DER SubjectPublicKeyInfo der (what KMS
// GetPublicKey answers) as a PEM "PUBLIC KEY" block.
func EncodePublicKey(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// Local is a Signer holding its private key in memory, for unit tests.
type Local struct {
	key *ecdsa.PrivateKey
}

// NewLocal returns a Local signer with a fresh P-256 key.
func NewLocal() (*Local, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	return &Local{key: k}, nil
}

// Sign implements Signer.
func (l *Local) Sign(_ context.Context, digest [sha256.Size]byte) ([]byte, error) {
	return ecdsa.SignASN1(rand.Reader, l.key, digest[:])
}

// PublicKeyPEM implements Signer.
func (l *Local) PublicKeyPEM(context.Context) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(&l.key.PublicKey)
	if err != nil {
		return nil, err
	}
	return EncodePublicKey(der), nil
}

// KeyID implements Signer.
func (l *Local) KeyID() string { return "local" }
