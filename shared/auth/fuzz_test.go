package auth

import (
	"encoding/base64"
	"strings"
	"testing"
)

// FuzzLooksLikeSecret checks that LooksLikeSecret accepts exactly the
// strings NewSecret can produce: the canonical unpadded base64url encoding
// of 32 bytes, and nothing that merely decodes to them (line breaks, which
// base64 decoding skips, or non-zero trailing bits). Run it with
// go test -run '^$' -fuzz '^FuzzLooksLikeSecret$' ./shared/auth.
func FuzzLooksLikeSecret(f *testing.F) {
	const secret = "iT5F1d5LE_TMXt5ZhUMmMwKtYyYUx--vtAT72pzRNPA" // a NewSecret
	for _, s := range []string{
		secret,
		"",
		secret[:42],
		secret + "A",
		"\n" + secret[:42],
		secret[:20] + "\r\n" + secret[:21],
		secret[:42] + "B", // the last character carries 2 bits too many
		strings.Repeat("_", 43),
		strings.Repeat("-", 42) + "A",
		base64.StdEncoding.EncodeToString(make([]byte, 32)),
		strings.Repeat("+", 43),
		strings.Repeat("A", 42) + "=",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := base64.RawURLEncoding.DecodeString(s)
		canonical := err == nil && len(b) == 32 && base64.RawURLEncoding.EncodeToString(b) == s
		if got := LooksLikeSecret(s); got != canonical {
			t.Fatalf("LooksLikeSecret(%q) = %v, want %v (canonical base64url of 32 bytes: %v)", s, got, canonical, canonical)
		}
	})
}

// TestNewSecretLooksLikeSecret checks that every secret NewSecret makes is
// accepted.
func TestNewSecretLooksLikeSecret(t *testing.T) {
	for range 1000 {
		if s := NewSecret(); !LooksLikeSecret(s) {
			t.Fatalf("LooksLikeSecret(%q) = false for a NewSecret", s)
		}
	}
}
