package identity_test

import (
	"strings"
	"testing"

	"github.com/attest-oss/attest/shared/identity"
)

func TestCheckEmployeeID(t *testing.T) {
	tests := []struct {
		id, want string // want: a part of the error, "" for none
	}{
		{"E001", ""},
		{"a.b_c-9", ""},
		{strings.Repeat("x", identity.MaxEmployeeIDLen), ""},
		{"", "is required"},
		{"E#1", `"E#1" may hold only ASCII letters`},
		{"E 1", "may hold only"},
		{"É1", "may hold only"},
		{strings.Repeat("x", identity.MaxEmployeeIDLen+1), "must be at most 64 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			err := identity.CheckEmployeeID(tt.id)
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("CheckEmployeeID(%q) = %v, want %q", tt.id, err, tt.want)
			}
		})
	}
}

func TestCheckEmail(t *testing.T) {
	tests := []struct {
		email, want string
	}{
		{"ann@example.com", ""},
		{"Ann.Lee+x@Example.co.uk", ""},
		{"", "is required"},
		{"ann.example.com", `"ann.example.com" is not an email address`},
		{"Ann <ann@example.com>", "must be a bare address"},
		{"<ann@example.com>", "must be a bare address"},
		{" ann@example.com", "must be a bare address"},
		{strings.Repeat("a", 250) + "@b.co", "must be at most 254 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.email, func(t *testing.T) {
			err := identity.CheckEmail(tt.email)
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("CheckEmail(%q) = %v, want %q", tt.email, err, tt.want)
			}
		})
	}
}

func TestRefs(t *testing.T) {
	if got := identity.PersonRef("E1"); got != "person#E1" {
		t.Errorf("PersonRef = %q", got)
	}
	if id, ok := identity.PersonOfRef(identity.PersonRef("E1")); !ok || id != "E1" {
		t.Errorf("PersonOfRef(PersonRef) = %q, %v", id, ok)
	}
	if _, ok := identity.PersonOfRef(identity.VendorRef("Acme")); ok {
		t.Error("a vendor ref is not a person's")
	}
	if !identity.IsVendorRef(identity.VendorRef("Acme")) || identity.IsVendorRef(identity.PersonRef("E1")) {
		t.Error("IsVendorRef")
	}
	if got := identity.KeyActor("hr-sync", "1a2b3c4d5e6f"); got != "apikey:hr-sync:1a2b3c4d" {
		t.Errorf("KeyActor = %q", got)
	}
}

func TestRoles(t *testing.T) {
	for _, s := range []string{"admin", "auditor", "hris"} {
		if r, ok := identity.ParseRole(s); !ok || string(r) != s {
			t.Errorf("ParseRole(%q) = %q, %v", s, r, ok)
		}
	}
	if _, ok := identity.ParseRole("person"); ok {
		t.Error(`"person" is not a role`)
	}
	if !identity.IsAccessRole("admin") || !identity.IsAccessRole("auditor") || identity.IsAccessRole("hris") || identity.IsAccessRole("engineer") {
		t.Error("IsAccessRole: admin and auditor only")
	}
}
