package main

import (
	"io"
	"strings"
	"testing"

	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/signing"
)

func TestMain(m *testing.M) { devtest.Main(m) }

// TestSetUpEvidenceIsIdempotent: the second start finds the bucket and key
// the first created; files stream in and out, and the key signs what its
// public key verifies.
func TestSetUpEvidenceIsIdempotent(t *testing.T) {
	ctx := t.Context()
	stack := devtest.Shared(t)
	first, err := setUpEvidence(ctx, stack)
	if err != nil {
		t.Fatal(err)
	}
	second, err := setUpEvidence(ctx, stack)
	if err != nil {
		t.Fatal(err)
	}
	if first.Signer.KeyID() != second.Signer.KeyID() || !strings.HasPrefix(first.Signer.KeyID(), "arn:aws:kms:") {
		t.Errorf("keys %s, %s; want one key ARN", first.Signer.KeyID(), second.Signer.KeyID())
	}
	if second.Objects.Bucket != evidenceBucket || second.Links.Bucket != evidenceBucket {
		t.Errorf("buckets %s and %s, want %s", second.Objects.Bucket, second.Links.Bucket, evidenceBucket)
	}
	w, err := second.Objects.Create(ctx, "exports/test/SHA256SUMS", "text/plain")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(w, "ab  people.csv\n"); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r, size, err := first.Objects.Open(ctx, "exports/test/SHA256SUMS")
	if err != nil || size != 15 {
		t.Fatalf("Open = size %d, %v", size, err)
	}
	r.Close()
	sig, err := signing.SignMessage(ctx, second.Signer, []byte("seal"))
	if err != nil {
		t.Fatal(err)
	}
	pub, err := first.Signer.PublicKeyPEM(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := signing.Verify(pub, []byte("seal"), sig); err != nil {
		t.Error(err)
	}
}
