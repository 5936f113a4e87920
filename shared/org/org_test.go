package org_test

import (
	"strings"
	"testing"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/org"
)

// field returns the field the Invalid error err is about, or "" for nil.
func field(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.Invalid || len(e.Problems) != 1 || !strings.HasPrefix(e.Message, e.Problems[0].Field+": ") {
		t.Fatalf("got %#v, want an Invalid error naming one field", err)
	}
	return e.Problems[0].Field
}

func TestChecks(t *testing.T) {
	tests := []struct {
		name  string
		err   error
		field string
	}{
		{"VendorKey", org.CheckVendorKey("Northwind & Co / EMEA #2"), ""},
		{"VendorKeyOf100Characters", org.CheckVendorKey(strings.Repeat("é", 100)), ""},
		{"VendorKeyEmpty", org.CheckVendorKey(""), "vendor"},
		{"VendorKeyTooLong", org.CheckVendorKey(strings.Repeat("v", 101)), "vendor"},
		{"VendorKeyWithNewline", org.CheckVendorKey("North\nwind"), "vendor"},
		{"VendorKeyNotUTF8", org.CheckVendorKey("North\xffwind"), "vendor"},
		{"NoContact", org.CheckContactEmail(""), ""},
		{"Contact", org.CheckContactEmail("ops@northwind.example"), ""},
		{"ContactWithName", org.CheckContactEmail("Ops <ops@northwind.example>"), "contactEmail"},
		{"ContactNotAnAddress", org.CheckContactEmail("northwind"), "contactEmail"},
		{"ContactTooLong", org.CheckContactEmail(strings.Repeat("a", 250) + "@x.example"), "contactEmail"},
		{"NoOwner", org.CheckOwnerID(""), ""},
		{"Owner", org.CheckOwnerID("E-01.a_b"), ""},
		{"OwnerWithHash", org.CheckOwnerID("E1#PROFILE"), "ownerEmployeeId"},
		{"OwnerTooLong", org.CheckOwnerID(strings.Repeat("e", 65)), "ownerEmployeeId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := field(t, tt.err); got != tt.field {
				t.Errorf("got an error about %q (%v), want %q", got, tt.err, tt.field)
			}
		})
	}
}
