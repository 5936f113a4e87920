package kmssign_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"

	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/kmssign"
	"github.com/attest-oss/attest/shared/signing"
)

func TestMain(m *testing.M) { devtest.Main(m) }

// uniqueAlias is an alias no other test uses (Local KMS is shared).
func uniqueAlias(t *testing.T) string {
	t.Helper()
	return fmt.Sprintf("alias/test-%s-%08x", strings.ToLower(strings.ReplaceAll(t.Name(), "/", "-")), rand.Uint32())
}

// countingClient counts GetPublicKey calls on Local KMS.
type countingClient struct {
	*kms.Client
	publicKeyCalls atomic.Int32
}

func (c *countingClient) GetPublicKey(ctx context.Context, in *kms.GetPublicKeyInput, opts ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error) {
	c.publicKeyCalls.Add(1)
	return c.Client.GetPublicKey(ctx, in, opts...)
}

// TestSignedManifestVerifiesWithOpenSSL signs as the bundle does, through
// Local KMS, and verifies the signature as an auditor does: with the PEM
// public key alone, in Go and with the openssl binary; a changed byte fails
// both.
func TestSignedManifestVerifiesWithOpenSSL(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	client := &countingClient{Client: devtest.Shared(t).KMSClient()}
	arn, err := kmssign.EnsureLocalKey(ctx, client, uniqueAlias(t))
	if err != nil {
		t.Fatal(err)
	}
	s := kmssign.New(client, arn)
	if s.KeyID() != arn {
		t.Errorf("KeyID = %q, want %q", s.KeyID(), arn)
	}
	msg := []byte(`{"formatVersion":1,"quarter":"2026-Q3","files":[]}`)
	sig, err := signing.SignMessage(ctx, s, msg)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := s.PublicKeyPEM(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := signing.Verify(pub, msg, sig); err != nil {
		t.Errorf("signing.Verify: %v", err)
	}
	tampered := append([]byte(nil), msg...)
	tampered[len(tampered)-2] = '1'
	if err := signing.Verify(pub, tampered, sig); err == nil {
		t.Error("signing.Verify accepts the signature for a changed message")
	}

	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatalf("openssl is needed to check signatures as an auditor does: %v", err)
	}
	dir := t.TempDir()
	for name, b := range map[string][]byte{"public.pem": pub, "manifest.json": msg, "manifest.json.sig": sig, "tampered.json": tampered} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	verify := func(file string) ([]byte, error) {
		return exec.Command(openssl, "dgst", "-sha256", "-verify", filepath.Join(dir, "public.pem"),
			"-signature", filepath.Join(dir, "manifest.json.sig"), filepath.Join(dir, file)).CombinedOutput()
	}
	if out, err := verify("manifest.json"); err != nil || !strings.Contains(string(out), "Verified OK") {
		t.Errorf("openssl on the signed manifest: %v: %s", err, out)
	}
	if out, err := verify("tampered.json"); err == nil {
		t.Errorf("openssl accepts the signature for a changed manifest: %s", out)
	}

	// The public key is read from KMS once.
	if again, err := s.PublicKeyPEM(ctx); err != nil || string(again) != string(pub) {
		t.Errorf("second PublicKeyPEM = %q, %v; want the first", again, err)
	}
	if n := client.publicKeyCalls.Load(); n != 1 {
		t.Errorf("GetPublicKey called %d times, want once", n)
	}
}

// TestEnsureLocalKeyIsIdempotent: the second call, and concurrent calls,
// find the key the first created.
func TestEnsureLocalKeyIsIdempotent(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	client := devtest.Shared(t).KMSClient()
	alias := uniqueAlias(t)
	first, err := kmssign.EnsureLocalKey(ctx, client, alias)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(first, "arn:aws:kms:") {
		t.Errorf("key %q, want a key ARN", first)
	}
	second, err := kmssign.EnsureLocalKey(ctx, client, alias)
	if err != nil || second != first {
		t.Errorf("second call = %q, %v; want %q", second, err, first)
	}
	out, err := client.DescribeKey(ctx, &kms.DescribeKeyInput{KeyId: aws.String(alias)})
	if err != nil {
		t.Fatal(err)
	}
	if m := out.KeyMetadata; aws.ToString(m.Arn) != first || m.KeySpec != types.KeySpecEccNistP256 || m.KeyUsage != types.KeyUsageTypeSignVerify {
		t.Errorf("alias names %s, a %s %s key; want %s, ECC_NIST_P256 SIGN_VERIFY", aws.ToString(m.Arn), m.KeySpec, m.KeyUsage, first)
	}

	raced := uniqueAlias(t)
	var wg sync.WaitGroup
	arns := make([]string, 4)
	errs := make([]error, len(arns))
	for i := range arns {
		wg.Go(func() { arns[i], errs[i] = kmssign.EnsureLocalKey(ctx, client, raced) })
	}
	wg.Wait()
	for i := range arns {
		if errs[i] != nil || arns[i] != arns[0] {
			t.Errorf("concurrent call %d = %q, %v; want %q like the first", i, arns[i], errs[i], arns[0])
		}
	}
}

// TestEnsureLocalKeyRefusesAnotherKindOfKey: an alias that names a
// symmetric key is an error, not a signing key; so is a name without
// "alias/".
func TestEnsureLocalKeyRefusesAnotherKindOfKey(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	client := devtest.Shared(t).KMSClient()
	alias := uniqueAlias(t)
	key, err := client.CreateKey(ctx, &kms.CreateKeyInput{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.CreateAlias(ctx, &kms.CreateAliasInput{AliasName: aws.String(alias), TargetKeyId: key.KeyMetadata.KeyId}); err != nil {
		t.Fatal(err)
	}
	if arn, err := kmssign.EnsureLocalKey(ctx, client, alias); err == nil || !strings.Contains(err.Error(), "SYMMETRIC_DEFAULT") {
		t.Errorf("EnsureLocalKey on a symmetric key = %q, %v; want an error naming its kind", arn, err)
	}
	if _, err := kmssign.EnsureLocalKey(ctx, client, "attest-evidence"); err == nil {
		t.Error("EnsureLocalKey accepts a name without alias/")
	}
	if _, err := kmssign.New(client, aws.ToString(key.KeyMetadata.Arn)).PublicKeyPEM(ctx); err == nil {
		t.Error("PublicKeyPEM of a symmetric key succeeds")
	}
}
