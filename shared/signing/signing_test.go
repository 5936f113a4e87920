package signing

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func TestLocalSignVerify(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, err := NewLocal()
	if err != nil {
		t.Fatal(err)
	}
	pub, err := s.PublicKeyPEM(ctx)
	if err != nil {
		t.Fatal(err)
	}
	msg := []byte(`{"files":[]}`)
	sig, err := SignMessage(ctx, s, msg)
	if err != nil {
		t.Fatal(err)
	}
	if err := Verify(pub, msg, sig); err != nil {
		t.Fatalf("own signature: %v", err)
	}
	if err := Verify(pub, []byte(`{"files":[1]}`), sig); err == nil {
		t.Fatal("a changed message verified")
	}
	if _, err := ParsePublicKey([]byte("nonsense")); err == nil {
		t.Fatal("nonsense parsed as a key")
	}
	// The same bytes verify with the openssl an auditor runs.
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		t.Fatalf("openssl is needed to check signatures as an auditor does: %v", err)
	}
	dir := t.TempDir()
	for name, b := range map[string][]byte{"public.pem": pub, "m.json": msg, "m.json.sig": sig} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command(openssl, "dgst", "-sha256", "-verify", filepath.Join(dir, "public.pem"),
		"-signature", filepath.Join(dir, "m.json.sig"), filepath.Join(dir, "m.json")).CombinedOutput()
	if err != nil {
		t.Fatalf("openssl: %v: %s", err, out)
	}
}
