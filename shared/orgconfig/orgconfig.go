// Package orgconfig holds the organisation-wide configuration that administrators
// keep through the API: the settings, such as the switch that pauses all
// reminder email, and the escalation contacts of subcontracting vendors. It
// checks what may be stored and has no AWS imports.
package orgconfig

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/identity"
)

// Settings are the organisation's settings. The zero value is what applies
// before anybody stored any: nothing paused.
type Settings struct {
	// SendingPaused holds back every reminder email while set.
	SendingPaused bool `json:"sendingPaused"`
	// Version counts the stored changes (0: never stored); a change is
	// stored only over the version it was based on.
	Version   int       `json:"version"`
	UpdatedAt time.Time `json:"updatedAt,omitzero"`
	// UpdatedBy names who changed them last, as in audit events.
	UpdatedBy string `json:"updatedBy,omitempty"`
}

// Vendor is a subcontracting firm's escalation contacts.
type Vendor struct {
	// Key is the roster's vendor name, as written there.
	Key string `json:"vendor"`
	// ContactEmail is the vendor's own contact for overdue staff (optional).
	ContactEmail string `json:"contactEmail"`
	// OwnerID is the employee accountable for the vendor inside the company (optional).
	OwnerID string `json:"ownerEmployeeId"`
}

// VendorRecord is a vendor's contacts as stored, with their version.
type VendorRecord struct {
	Vendor
	// Version counts the stored changes (0: never stored); a change is
	// stored only over the version it was based on.
	Version   int       `json:"version"`
	UpdatedAt time.Time `json:"updatedAt"`
	// UpdatedBy names who changed them last, as in audit events.
	UpdatedBy string `json:"updatedBy"`
}

// MaxVendorKeyLen is the longest vendor key in characters: the roster allows
// vendor names of up to 100 characters.
const MaxVendorKeyLen = 100

// CheckVendorKey checks a vendor key, the vendor's name as the roster writes
// it: 1 to 100 characters of UTF-8 text without control characters.
func CheckVendorKey(key string) error {
	switch n := utf8.RuneCountInString(key); {
	case n == 0:
		return invalid("vendor", "is required")
	case !utf8.ValidString(key):
		return invalid("vendor", "must be UTF-8 text")
	case n > MaxVendorKeyLen:
		return invalid("vendor", "must be at most %d characters, not %d", MaxVendorKeyLen, n)
	case strings.ContainsFunc(key, unicode.IsControl):
		return invalid("vendor", "must not hold control characters such as line breaks or tabs")
	}
	return nil
}

// CheckContactEmail checks a vendor's contact address: empty (no contact) or
// a bare address such as ann@example.com.
func CheckContactEmail(s string) error {
	if s == "" {
		return nil
	}
	if err := identity.CheckEmail(s); err != nil {
		return invalid("contactEmail", "%s", err)
	}
	return nil
}

// invalid is an Invalid error about one field; its message names the field.
func invalid(field, format string, args ...any) error {
	p := apperr.Problem{Field: field, Message: fmt.Sprintf(format, args...)}
	return apperr.InvalidWith(p.String(), []apperr.Problem{p})
}

// CheckOwnerID checks the shape of a vendor owner's employee id: empty (no
// owner) or an id the roster could hold. Whether that person is stored is for
// the caller to check.
func CheckOwnerID(id string) error {
	if id == "" {
		return nil
	}
	if err := identity.CheckEmployeeID(id); err != nil {
		return invalid("ownerEmployeeId", "%s", err)
	}
	return nil
}
