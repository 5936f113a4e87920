package auth_test

import (
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/auth"
	"github.com/attest-oss/attest/shared/identity"
)

func TestAPIKeyValidity(t *testing.T) {
	revokedAt := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		key  auth.APIKey
		now  string
		want bool
	}{
		{"no expiry", auth.APIKey{}, "2030-01-01T00:00:00Z", true},
		{"on its last day", auth.APIKey{ExpiresOn: "2026-11-02"}, "2026-11-02T23:59:59Z", true},
		{"the day after, UTC", auth.APIKey{ExpiresOn: "2026-11-02"}, "2026-11-03T00:00:00Z", false},
		{"unreadable expiry", auth.APIKey{ExpiresOn: "soon"}, "2026-11-02T00:00:00Z", false},
		{"revoked", auth.APIKey{RevokedAt: revokedAt}, "2026-11-02T00:00:00Z", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now, _ := time.Parse(time.RFC3339, tt.now)
			if got := tt.key.Valid(now); got != tt.want {
				t.Errorf("Valid(%s) = %v, want %v", tt.now, got, tt.want)
			}
		})
	}
}

func TestAPIKeyIDs(t *testing.T) {
	_, rec := auth.NewAPIKey(identity.Admin, "x", time.Now())
	_, other := auth.NewAPIKey(identity.Admin, "x", time.Now())
	if !auth.IsAPIKeyID(rec.ID) || rec.ID == other.ID {
		t.Errorf("ids %q, %q", rec.ID, other.ID)
	}
	for _, id := range []string{"", "key_", "key_0123456789ABCDEF", "key_0123456789abcde", "key_0123456789abcdef0", "kez_0123456789abcdef", "key_0123456789abcdeg"} {
		if auth.IsAPIKeyID(id) {
			t.Errorf("IsAPIKeyID(%q) = true", id)
		}
	}
	if !auth.IsAPIKeyID("key_0123456789abcdef") {
		t.Error("a well-formed id was refused")
	}
}
