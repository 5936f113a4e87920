package handler

import (
	"errors"
	"testing"
)

func TestParseSESEvent(t *testing.T) {
	const mail = `"mail":{"timestamp":"2026-11-02T08:00:00.000Z","messageId":"m-1"}`
	tests := []struct {
		name, message string
		ok            bool
		kind          string
		malformed     bool
	}{
		{"PermanentBounce", `{"eventType":"Bounce","bounce":{"bounceType":"Permanent","bouncedRecipients":[{"emailAddress":"a@example.com"}]},` + mail + `}`, true, "Bounce", false},
		{"UndeterminedBounce", `{"eventType":"Bounce","bounce":{"bounceType":"Undetermined","bouncedRecipients":[{"emailAddress":"a@example.com"}]},` + mail + `}`, false, "Bounce/Undetermined", false},
		{"Delivery", `{"eventType":"Delivery","delivery":{"recipients":["a@example.com"]},` + mail + `}`, false, "Delivery", false},
		{"OldDelivery", `{"notificationType":"Delivery",` + mail + `}`, false, "Delivery", false},
		{"NoType", `{` + mail + `}`, false, "", true},
		{"BounceWithoutBounce", `{"eventType":"Bounce",` + mail + `}`, false, "", true},
		{"NoMessageID", `{"eventType":"Complaint","complaint":{"complainedRecipients":[{"emailAddress":"a@example.com"}]},"mail":{}}`, false, "", true},
		{"NoRecipients", `{"eventType":"Complaint","complaint":{"complainedRecipients":[]},` + mail + `}`, false, "", true},
		{"BadTimestamp", `{"eventType":"Complaint","complaint":{"timestamp":"yesterday"},` + mail + `}`, false, "", true},
		{"NotJSON", `Hello from SNS!`, false, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, ok, kind, err := parseSESEvent(tt.message)
			if ok != tt.ok || kind != tt.kind || errors.Is(err, errMalformed) != tt.malformed {
				t.Fatalf("got ok=%v kind=%q err=%v", ok, kind, err)
			}
			// Without its own timestamp, the event is dated by the mail's.
			if ok && (u.messageID != "m-1" || u.at.IsZero() || len(u.addresses) != 1) {
				t.Errorf("got %+v", u)
			}
		})
	}
}

func TestHashHidesTheAddressButNotItsIdentity(t *testing.T) {
	a, b := addressHash("Ann@Example.com"), addressHash("ann@example.com")
	if a != b || len(a) != 16 {
		t.Errorf("hashes %q %q, want equal, 16 hex digits", a, b)
	}
}
