// Package identity is the one vocabulary for who someone is: the roles that
// grant access (carried by API keys, or held by people through the roster),
// the rule for an employee id and for an email address, and how people,
// vendors and API keys are named in records (audit events' actors and
// subjects, notification recipients). A second way to sign in is another
// producer of these names, not a new vocabulary.
package identity

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"
)

// Role is what a caller may do.
type Role string

// Roles. Admin and Auditor are access roles: an API key carries them, and a
// person holds them through the roster's roles column. HRIS is for the
// system that uploads the roster, and only an API key carries it.
const (
	Admin   Role = "admin"
	Auditor Role = "auditor"
	HRIS    Role = "hris"
)

// ParseRole returns the role named s, or false.
func ParseRole(s string) (Role, bool) {
	switch r := Role(s); r {
	case Admin, Auditor, HRIS:
		return r, true
	}
	return "", false
}

// IsAccessRole reports whether a key of the roster's roles column is an
// access role (admin, auditor) rather than a curricula role: access roles
// never produce training.
func IsAccessRole(key string) bool { return key == string(Admin) || key == string(Auditor) }

// Limits of identifiers.
const (
	// MaxEmployeeIDLen is the longest employee id, in bytes (ids are ASCII).
	MaxEmployeeIDLen = 64
	// MaxEmailLen is the longest address SMTP allows, in bytes.
	MaxEmailLen = 254
)

// ErrRequired is the rules' answer to an empty value; like every error of
// theirs, its text reads after a field name ("email is required").
var ErrRequired = errors.New("is required")

// CheckEmployeeID returns why id is not an employee id, or nil. Employee ids
// are part of storage keys, so only ASCII letters, digits, ".", "_" and "-"
// are allowed, at most MaxEmployeeIDLen of them.
func CheckEmployeeID(id string) error {
	switch {
	case id == "":
		return ErrRequired
	case strings.ContainsFunc(id, func(r rune) bool { return !isASCIIAlnum(r) && r != '.' && r != '_' && r != '-' }):
		return fmt.Errorf("%q may hold only ASCII letters, digits, \".\", \"_\" and \"-\"", id)
	case len(id) > MaxEmployeeIDLen:
		return fmt.Errorf("must be at most %d characters", MaxEmployeeIDLen)
	}
	return nil
}

// CheckEmail returns why s is not a bare email address such as
// ann@example.com (no display name, quotes or angle brackets), or nil.
func CheckEmail(s string) error {
	if s == "" {
		return ErrRequired
	}
	if len(s) > MaxEmailLen {
		return fmt.Errorf("must be at most %d characters", MaxEmailLen)
	}
	a, err := mail.ParseAddress(s)
	switch {
	case err != nil:
		return fmt.Errorf("%q is not an email address", s)
	case a.Name != "" || a.Address != s:
		return fmt.Errorf("%q must be a bare address such as ann@example.com, without a name, quotes or <>", s)
	}
	return nil
}

func isASCIIAlnum(r rune) bool {
	return (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
}

// Prefixes of the names in records.
const (
	personRefPrefix = "person#"
	vendorRefPrefix = "vendor#"
)

// PersonRef names a person as the subject of an audit event or the
// recipient of a notification: "person#<employeeId>".
func PersonRef(employeeID string) string { return personRefPrefix + employeeID }

// VendorRef names a vendor's contact address as a subject or recipient:
// "vendor#<vendor key>".
func VendorRef(vendorKey string) string { return vendorRefPrefix + vendorKey }

// APIKeyRef names an API key as the subject of an audit event:
// "apikey#<key id>".
func APIKeyRef(id string) string { return "apikey#" + id }

// AgreementRef names a customer agreement as the subject of an audit event:
// "agreement#<agreement key>".
func AgreementRef(key string) string { return "agreement#" + key }

// ExportRef names an evidence export as the subject of an audit event:
// "export#<export id>".
func ExportRef(id string) string { return "export#" + id }

// ImportRef names a large roster import as the subject of an audit event:
// "import#<import id>".
func ImportRef(id string) string { return "import#" + id }

// PersonOfRef returns the employee id of a PersonRef, or false for any other
// reference.
func PersonOfRef(ref string) (employeeID string, ok bool) {
	return strings.CutPrefix(ref, personRefPrefix)
}

// IsVendorRef reports whether ref is a VendorRef.
func IsVendorRef(ref string) bool { return strings.HasPrefix(ref, vendorRefPrefix) }

// PersonActor names a signed-in person as the actor of an audit event:
// "person:<employeeId>".
func PersonActor(employeeID string) string { return "person:" + employeeID }

// KeyActor names an API key as the actor of an audit event:
// "apikey:<label>:<first 8 hex digits of its hash>", which tells keys of the
// same label apart without revealing anything usable.
func KeyActor(label, keyHash string) string {
	return "apikey:" + label + ":" + keyHash[:min(8, len(keyHash))]
}
