// Package kmssign is the KMS adapter of the evidence signing key: a
// signing.Signer whose private key never leaves AWS KMS (an asymmetric
// ECC_NIST_P256 SIGN_VERIFY key; Local KMS in make dev and the tests). It is
// the only package that signs through the KMS SDK.
package kmssign

import (
	"context"
	"crypto/elliptic"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/attest-oss/attest/shared/signing"
)

// API is the part of the KMS client the Signer uses.
type API interface {
	Sign(ctx context.Context, in *kms.SignInput, opts ...func(*kms.Options)) (*kms.SignOutput, error)
	GetPublicKey(ctx context.Context, in *kms.GetPublicKeyInput, opts ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error)
}

// Signer signs SHA-256 digests with a KMS key (ECDSA_SHA_256, message type
// DIGEST: only the 32-byte digest is sent to KMS). It is safe for concurrent
// use.
type Signer struct {
	client API
	keyID  string

	mu  sync.Mutex
	pem []byte // the public key, once read
}

var _ signing.Signer = (*Signer)(nil)

// New returns the Signer of the KMS key keyID (a key ARN, key id or alias;
// the ARN is what KeyID reports, so pass the ARN where the id is recorded).
func New(client API, keyID string) *Signer {
	return &Signer{client: client, keyID: keyID}
}

// Sign implements signing.Signer: the DER-encoded ECDSA signature of digest.
func (s *Signer) Sign(ctx context.Context, digest [sha256.Size]byte) ([]byte, error) {
	out, err := s.client.Sign(ctx, &kms.SignInput{
		KeyId:            aws.String(s.keyID),
		Message:          digest[:],
		MessageType:      types.MessageTypeDigest,
		SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256,
	})
	if err != nil {
		return nil, fmt.Errorf("sign with KMS key %s: %w", s.keyID, err)
	}
	if len(out.Signature) == 0 {
		return nil, fmt.Errorf("sign with KMS key %s: empty signature", s.keyID)
	}
	return out.Signature, nil
}

// PublicKeyPEM implements signing.Signer. It reads the public key from KMS
// once and keeps it; a failed read is retried on the next call. It fails
// unless the key is an ECC_NIST_P256 signing key.
func (s *Signer) PublicKeyPEM(ctx context.Context) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.pem != nil {
		return append([]byte(nil), s.pem...), nil
	}
	out, err := s.client.GetPublicKey(ctx, &kms.GetPublicKeyInput{KeyId: aws.String(s.keyID)})
	if err != nil {
		return nil, fmt.Errorf("read public key of KMS key %s: %w", s.keyID, err)
	}
	if out.KeySpec != types.KeySpecEccNistP256 || out.KeyUsage != types.KeyUsageTypeSignVerify {
		return nil, fmt.Errorf("KMS key %s is a %s %s key, want %s %s", s.keyID, out.KeySpec, out.KeyUsage,
			types.KeySpecEccNistP256, types.KeyUsageTypeSignVerify)
	}
	pem := signing.EncodePublicKey(out.PublicKey)
	pub, err := signing.ParsePublicKey(pem)
	if err != nil {
		return nil, fmt.Errorf("public key of KMS key %s: %w", s.keyID, err)
	}
	if pub.Curve != elliptic.P256() {
		return nil, fmt.Errorf("public key of KMS key %s is not on P-256", s.keyID)
	}
	s.pem = pem
	return append([]byte(nil), pem...), nil
}

// KeyID implements signing.Signer: the key as New was given it.
func (s *Signer) KeyID() string { return s.keyID }

// AdminAPI is the part of the KMS client EnsureLocalKey uses.
type AdminAPI interface {
	DescribeKey(ctx context.Context, in *kms.DescribeKeyInput, opts ...func(*kms.Options)) (*kms.DescribeKeyOutput, error)
	CreateKey(ctx context.Context, in *kms.CreateKeyInput, opts ...func(*kms.Options)) (*kms.CreateKeyOutput, error)
	CreateAlias(ctx context.Context, in *kms.CreateAliasInput, opts ...func(*kms.Options)) (*kms.CreateAliasOutput, error)
}

// EnsureLocalKey returns the ARN of the key alias ("alias/<name>") names,
// creating an ECC_NIST_P256 SIGN_VERIFY key under that alias first if the
// alias does not exist yet. It is for make dev and the tests, on Local KMS:
// in AWS the CDK stack creates the key. It fails if the alias names a key of
// another kind. Two callers racing to create the alias both end up with the
// key that won it (the loser's key stays unused).
func EnsureLocalKey(ctx context.Context, client AdminAPI, alias string) (string, error) {
	if !strings.HasPrefix(alias, "alias/") {
		return "", fmt.Errorf("KMS alias %q must start with alias/", alias)
	}
	arn, found, err := describe(ctx, client, alias)
	if err != nil || found {
		return arn, err
	}
	created, err := client.CreateKey(ctx, &kms.CreateKeyInput{
		KeySpec:     types.KeySpecEccNistP256,
		KeyUsage:    types.KeyUsageTypeSignVerify,
		Description: aws.String("attest evidence signing key (" + alias + ")"),
	})
	if err != nil {
		return "", fmt.Errorf("create KMS key for %s: %w", alias, err)
	}
	_, err = client.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(alias), TargetKeyId: created.KeyMetadata.KeyId})
	var exists *types.AlreadyExistsException
	switch {
	case errors.As(err, &exists):
		arn, found, err = describe(ctx, client, alias)
		if err == nil && !found {
			err = fmt.Errorf("KMS alias %s exists and does not", alias)
		}
		return arn, err
	case err != nil:
		return "", fmt.Errorf("create KMS alias %s: %w", alias, err)
	}
	return aws.ToString(created.KeyMetadata.Arn), nil
}

// describe returns the ARN of the key alias names, found=false if the alias
// does not exist, and an error if it names anything but an enabled
// ECC_NIST_P256 signing key.
func describe(ctx context.Context, client AdminAPI, alias string) (arn string, found bool, err error) {
	out, err := client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(alias)})
	var notFound *types.NotFoundException
	if errors.As(err, &notFound) {
		return "", false, nil
	}
	if err != nil {
		return "", false, fmt.Errorf("describe KMS key %s: %w", alias, err)
	}
	m := out.KeyMetadata
	if m.KeySpec != types.KeySpecEccNistP256 || m.KeyUsage != types.KeyUsageTypeSignVerify || !m.Enabled {
		return "", false, fmt.Errorf("KMS alias %s names key %s, a %s %s key (enabled %v), want an enabled %s %s key",
			alias, aws.ToString(m.Arn), m.KeySpec, m.KeyUsage, m.Enabled, types.KeySpecEccNistP256, types.KeyUsageTypeSignVerify)
	}
	return aws.ToString(m.Arn), true, nil
}
