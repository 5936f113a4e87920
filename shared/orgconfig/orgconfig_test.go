package orgconfig_test

import (
	"strings"
	"testing"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/orgconfig"
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
		{"VendorKey", orgconfig.CheckVendorKey("Northwind & Co / EMEA #2"), ""},
		{"VendorKeyOf100Characters", orgconfig.CheckVendorKey(strings.Repeat("é", 100)), ""},
		{"VendorKeyEmpty", orgconfig.CheckVendorKey(""), "vendor"},
		{"VendorKeyTooLong", orgconfig.CheckVendorKey(strings.Repeat("v", 101)), "vendor"},
		{"VendorKeyWithNewline", orgconfig.CheckVendorKey("North\nwind"), "vendor"},
		{"VendorKeyNotUTF8", orgconfig.CheckVendorKey("North\xffwind"), "vendor"},
		{"NoContact", orgconfig.CheckContactEmail(""), ""},
		{"Contact", orgconfig.CheckContactEmail("ops@northwind.example"), ""},
		{"ContactWithName", orgconfig.CheckContactEmail("Ops <ops@northwind.example>"), "contactEmail"},
		{"ContactNotAnAddress", orgconfig.CheckContactEmail("northwind"), "contactEmail"},
		{"ContactTooLong", orgconfig.CheckContactEmail(strings.Repeat("a", 250) + "@x.example"), "contactEmail"},
		{"NoOwner", orgconfig.CheckOwnerID(""), ""},
		{"Owner", orgconfig.CheckOwnerID("E-01.a_b"), ""},
		{"OwnerWithHash", orgconfig.CheckOwnerID("E1#PROFILE"), "ownerEmployeeId"},
		{"OwnerTooLong", orgconfig.CheckOwnerID(strings.Repeat("e", 65)), "ownerEmployeeId"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := field(t, tt.err); got != tt.field {
				t.Errorf("got an error about %q (%v), want %q", got, tt.err, tt.field)
			}
		})
	}
}
