package dynamo

import (
	"crypto/sha256"
	"encoding/hex"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/attest-oss/attest/shared/ack"
	"github.com/attest-oss/attest/shared/agreement"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/auth"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/orgconfig"
	"github.com/attest-oss/attest/shared/reminder"
	"github.com/attest-oss/attest/shared/roster"
)

var (
	at0 = time.Date(2026, 11, 2, 9, 30, 0, 0, time.UTC)
	at1 = time.Date(2026, 11, 5, 10, 0, 0, 0, time.UTC)
)

func bobPerson() roster.Person {
	return roster.Person{EmployeeID: "E2", Email: "Bob@Example.com", Name: "Bob", Roles: []string{"all-staff", "engineer"}, ManagerID: "E1",
		Department: "Eng", EmploymentType: roster.Subcontractor, Vendor: "Northwind", Engagements: []string{"acme"},
		StartDate: "2026-01-05", EndDate: "2026-12-31", TimeZone: "Europe/Berlin"}
}

func plainPerson() roster.Person {
	return roster.Person{EmployeeID: "E3", Email: "c@example.com", Name: "C", EmploymentType: roster.Employee, StartDate: "2026-01-05", TimeZone: "UTC"}
}

func openAssignment() assign.Assignment {
	return assign.Assignment{EmployeeID: "E2", ModuleID: "sec", Cycle: 1, ModuleVersion: "1.2.0", ModuleMajor: 1, ContentSHA256: "abc",
		Reason: "new_hire", AssignedOn: "2026-11-02", DueOn: "2026-12-02", DueAt: time.Date(2026, 12, 2, 22, 59, 59, 0, time.UTC),
		Recurrence: "annual", Status: assign.StatusOpen, Attempts: 1, RemindersSent: 2, LastRemindedOn: "2026-11-20", Version: 4}
}

// awaitingNotice is openAssignment before any reminder named it.
func awaitingNotice() assign.Assignment {
	a := openAssignment()
	a.RemindersSent, a.LastRemindedOn = 0, ""
	return a
}

func completedAssignment() assign.Assignment {
	a := openAssignment()
	a.Status, a.CompletedAt, a.Score, a.Attempts, a.RemindersSent, a.LastRemindedOn = assign.StatusCompleted, at1, 90, 2, 0, ""
	a.CompletedVersion, a.CompletedSHA256, a.ClosedOn, a.CloseReason, a.Version = "1.2.1", "def", "2026-11-06", "leaver", 5
	return a
}

func acmeAgreement() agreement.Agreement {
	return agreement.Agreement{Key: "acme-2026", Customer: "Acme Bank", Engagement: "acme", StartDate: "2026-01-01",
		Obligations: []agreement.Obligation{{ID: "4.2", Text: "Train.", Kind: agreement.KindTraining, Items: []string{"module:sec"},
			WithinDays: 30, Target: 0.95}},
		Version: 2, UpdatedAt: at0, UpdatedBy: "key:x"}
}

func sentRecord() reminder.Record {
	return reminder.Record{Recipient: "person#E2", Email: "bob@example.com", Kind: reminder.KindDigest, Day: "2026-11-02",
		Status: reminder.StatusSent, Items: []string{"E2 sec#1 overdue"}, CreatedAt: at0, SentAt: at0.Add(time.Minute),
		MessageID: "m-1", Tries: 2, LastError: "send failed", Actor: "schedule"}
}

func pendingRecord() reminder.Record {
	return reminder.Record{Recipient: "person#E2", Email: "bob@example.com", Kind: reminder.KindNudge, Day: "2026-11-03",
		Status: reminder.StatusPending, CreatedAt: at0, Actor: "person:E1"}
}

func acknowledgment() ack.Acknowledgment {
	return ack.Acknowledgment{EmployeeID: "E2", PolicyID: "aup", PolicyVersion: "1.0.0", TextSHA256: "abc", Cycle: "2026",
		AcknowledgedAt: at0, TypedName: "Bob", IP: "192.0.2.1", UserAgent: "ua"}
}

// personLayout is how bobPerson is stored, in a profile and in a revision.
var personLayout = map[string]any{
	"employeeId": "E2", "email": "Bob@Example.com", "name": "Bob", "roles": []string{"all-staff", "engineer"}, "managerId": "E1",
	"department": "Eng", "employmentType": "subcontractor", "vendor": "Northwind", "engagements": []string{"acme"},
	"startDate": "2026-01-05", "endDate": "2026-12-31", "timeZone": "Europe/Berlin",
}

// with returns m with the attributes of more added.
func with(m map[string]any, more map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range m {
		out[k] = v
	}
	for k, v := range more {
		out[k] = v
	}
	return out
}

// TestItemLayout pins the stored layout of every item: the attribute names
// and formats that data written by earlier releases has, so that it still
// reads back. A change here breaks stored data.
func TestItemLayout(t *testing.T) {
	for _, tc := range []struct {
		name string
		item any
		want map[string]any
	}{
		{"person", newPersonItem(bobPerson(), 2, 3, at0), with(personLayout, map[string]any{
			"PK": "PERSON#E2", "SK": "PROFILE", "type": "person", "GSI1PK": "MGR#E1", "GSI1SK": "PERSON#E2", "GSI2PK": "ROSTER", "GSI2SK": "PERSON#E2",
			"GSI3PK": "WAKE#2027-01-01", "GSI3SK": "PERSON#E2", "revision": 2, "version": 3, "updatedAt": "2026-11-02T09:30:00Z",
		})},
		{"person without manager, end date, lists", newPersonItem(plainPerson(), 1, 1, at0), map[string]any{
			"PK": "PERSON#E3", "SK": "PROFILE", "type": "person", "GSI2PK": "ROSTER", "GSI2SK": "PERSON#E3",
			"employeeId": "E3", "email": "c@example.com", "name": "C", "roles": nil, "managerId": "", "department": "",
			"employmentType": "employee", "vendor": "", "engagements": nil, "startDate": "2026-01-05", "endDate": "", "timeZone": "UTC",
			"revision": 1, "version": 1, "updatedAt": "2026-11-02T09:30:00Z",
		}},
		{"revision", newRevisionItem(roster.Revision{Rev: 2, At: at0, Actor: "admin", Action: "person.updated",
			Changes: []roster.FieldChange{{Field: "name", From: "B", To: "Bob"}}, Person: bobPerson()}), map[string]any{
			"PK": "PERSON#E2", "SK": "REV#000000002", "type": "revision", "Rev": 2, "At": "2026-11-02T09:30:00Z", "Actor": "admin",
			"Action": "person.updated", "Changes": []any{map[string]any{"Field": "name", "From": "B", "To": "Bob"}}, "Person": personLayout,
		}},
		{"open assignment", newAssignmentItem(openAssignment()), map[string]any{
			"PK": "PERSON#E2", "SK": "ASSIGN#sec#0001", "type": "assignment", "GSI4PK": "DUE#8", "GSI4SK": "2026-12-02#E2#sec#0001",
			"employeeId": "E2", "moduleId": "sec", "cycle": 1, "moduleVersion": "1.2.0", "moduleMajor": 1, "contentSha256": "abc",
			"reason": "new_hire", "assignedOn": "2026-11-02", "dueOn": "2026-12-02", "dueAt": "2026-12-02T22:59:59Z", "recurrence": "annual",
			"status": "open", "attempts": 1, "remindersSent": 2, "lastRemindedOn": "2026-11-20", "version": 4,
		}},
		{"assignment awaiting its notice", newAssignmentItem(awaitingNotice()), map[string]any{
			"PK": "PERSON#E2", "SK": "ASSIGN#sec#0001", "type": "assignment", "GSI4PK": "DUE#8", "GSI4SK": "!NOTICE#2026-12-02#E2#sec#0001",
			"employeeId": "E2", "moduleId": "sec", "cycle": 1, "moduleVersion": "1.2.0", "moduleMajor": 1, "contentSha256": "abc",
			"reason": "new_hire", "assignedOn": "2026-11-02", "dueOn": "2026-12-02", "dueAt": "2026-12-02T22:59:59Z", "recurrence": "annual",
			"status": "open", "attempts": 1, "remindersSent": 0, "version": 4,
		}},
		{"completed assignment", newAssignmentItem(completedAssignment()), map[string]any{
			"PK": "PERSON#E2", "SK": "ASSIGN#sec#0001", "type": "assignment",
			"employeeId": "E2", "moduleId": "sec", "cycle": 1, "moduleVersion": "1.2.0", "moduleMajor": 1, "contentSha256": "abc",
			"reason": "new_hire", "assignedOn": "2026-11-02", "dueOn": "2026-12-02", "dueAt": "2026-12-02T22:59:59Z", "recurrence": "annual",
			"status": "completed", "completedAt": "2026-11-05T10:00:00Z", "score": 90, "attempts": 2, "completedVersion": "1.2.1",
			"completedSha256": "def", "remindersSent": 0, "closedOn": "2026-11-06", "closeReason": "leaver", "version": 5,
		}},
		{"attempt", newAttemptItem(assign.Attempt{EmployeeID: "E2", ModuleID: "sec", Cycle: 1, Number: 1, ModuleVersion: "1.2.0",
			ContentSHA256: "abc", Answers: map[string]string{"q1": "a"}, Score: 50, At: at0, Source: "192.0.2.1", UserAgent: "ua"}), map[string]any{
			"PK": "PERSON#E2", "SK": "ATTEMPT#sec#0001#0001", "type": "attempt", "employeeId": "E2", "moduleId": "sec", "cycle": 1, "number": 1,
			"moduleVersion": "1.2.0", "contentSha256": "abc", "answers": map[string]any{"q1": "a"}, "score": 50, "passed": false,
			"at": "2026-11-02T09:30:00Z", "source": "192.0.2.1", "userAgent": "ua",
		}},
		{"sent notification", newNotificationItem(sentRecord()), map[string]any{
			"PK": "NOTIFY#person#E2", "SK": "2026-11-02#digest", "type": "notification", "recipient": "person#E2", "email": "bob@example.com",
			"kind": "digest", "day": "2026-11-02", "status": "sent", "items": []string{"E2 sec#1 overdue"}, "createdAt": "2026-11-02T09:30:00Z",
			"sentAt": "2026-11-02T09:31:00Z", "messageId": "m-1", "tries": 2, "lastError": "send failed", "actor": "schedule",
		}},
		{"pending notification", newNotificationItem(pendingRecord()), map[string]any{
			"PK": "NOTIFY#person#E2", "SK": "2026-11-03#nudge", "type": "notification", "recipient": "person#E2", "email": "bob@example.com",
			"kind": "nudge", "day": "2026-11-03", "status": "pending", "items": nil, "createdAt": "2026-11-02T09:30:00Z", "tries": 0,
			"actor": "person:E1",
		}},
		{"acknowledgment", newAckItem(acknowledgment()), map[string]any{
			"PK": "PERSON#E2", "SK": "ACK#aup#2026", "type": "acknowledgment", "employeeId": "E2", "policyId": "aup", "policyVersion": "1.0.0",
			"textSha256": "abc", "cycle": "2026", "acknowledgedAt": "2026-11-02T09:30:00Z", "typedName": "Bob", "ip": "192.0.2.1", "userAgent": "ua",
		}},
		{"policy view", newViewItem(ack.View{EmployeeID: "E2", PolicyID: "aup", VersionSHA256: "abc", Cycle: "2026", FirstViewedAt: at0}), map[string]any{
			"PK": "PERSON#E2", "SK": "VIEW#aup#2026#abc", "type": "policy-view", "expiresAt": at0.Add(ack.ViewLifetime).Unix(),
			"employeeId": "E2", "policyId": "aup", "versionSha256": "abc", "cycle": "2026", "firstViewedAt": "2026-11-02T09:30:00Z",
		}},
		{"audit event", newAuditItem(audit.Event{ID: "ev", At: at0, Actor: "admin", Action: "person.updated", Subject: "person#E2",
			Source: "192.0.2.1", Details: map[string]any{"revision": 2, "s": "x"}}), map[string]any{
			"PK": "AUDIT#2026-11-02", "SK": "2026-11-02T09:30:00.000000000Z#ev", "type": "audit", "id": "ev", "at": "2026-11-02T09:30:00Z",
			"actor": "admin", "action": "person.updated", "subject": "person#E2", "source": "192.0.2.1",
			"details": map[string]any{"revision": 2, "s": "x"},
			"hash":    sha256Hex(`{"id":"ev","at":"2026-11-02T09:30:00Z","actor":"admin","action":"person.updated","subject":"person#E2","source":"192.0.2.1","details":{"revision":2,"s":"x"}}`),
		}},
		{"audit seal", newSealItem(audit.SignedSeal{Day: "2026-11-02", Bytes: []byte(`{"day":"2026-11-02"}`), Signature: []byte{1, 2}}), map[string]any{
			"PK": "SEALS", "SK": "2026-11-02", "type": "audit-seal", "seal": `{"day":"2026-11-02"}`, "signature": []byte{1, 2},
		}},
		{"revoked API key", newAPIKeyItem(auth.APIKey{Hash: "h", Role: identity.Admin, Label: "ci", CreatedAt: at0, RevokedAt: at1}), map[string]any{
			"PK": "APIKEY#h", "SK": "APIKEY", "type": "apikey", "hash": "h", "role": "admin", "label": "ci",
			"createdAt": "2026-11-02T09:30:00Z", "revokedAt": "2026-11-05T10:00:00Z",
		}},
		{"API key listing", newAPIKeyListItem(auth.APIKey{ID: "key_0123456789abcdef", Hash: "h", Role: identity.Auditor, Label: "ci", CreatedAt: at0,
			CreatedBy: "person:E1", ExpiresOn: "2027-01-31", Agreement: "acme"}), map[string]any{
			"PK": "APIKEYS", "SK": "key_0123456789abcdef", "type": "apikey-listing", "id": "key_0123456789abcdef", "hash": "h", "role": "auditor",
			"label": "ci", "createdAt": "2026-11-02T09:30:00Z", "createdBy": "person:E1", "expiresOn": "2027-01-31", "agreement": "acme",
		}},
		{"sign-in token", newTokenItem(auth.SignInToken{Hash: "h", EmployeeID: "E2", Kind: auth.LinkReminder, CreatedAt: at0, ExpiresAt: at1}), map[string]any{
			"PK": "TOKEN#h", "SK": "TOKEN", "type": "token", "expiresAt": at1.Unix(), "hash": "h", "employeeId": "E2", "kind": "reminder",
			"createdAt": "2026-11-02T09:30:00Z",
		}},
		{"session", newSessionItem(auth.Session{Hash: "h", EmployeeID: "E2", CSRFToken: "c", CreatedAt: at0, LastSeen: at0.Add(time.Minute)}), map[string]any{
			"PK": "SESSION#h", "SK": "SESSION", "type": "session", "expiresAt": at0.Add(time.Minute + auth.SessionIdleTTL).Unix(), "hash": "h",
			"employeeId": "E2", "csrfToken": "c", "createdAt": "2026-11-02T09:30:00Z", "lastSeen": "2026-11-02T09:31:00Z",
		}},
		{"job state", newJobItem("assign", assign.JobState{LastDay: "2026-11-02", Fingerprint: "fp", Version: 3}), map[string]any{
			"PK": "JOB#assign", "SK": "STATE", "type": "job", "lastDay": "2026-11-02", "fingerprint": "fp", "version": 3,
		}},
		{"settings", newSettingsItem(orgconfig.Settings{SendingPaused: true, Version: 2, UpdatedAt: at0, UpdatedBy: "key:x"}), map[string]any{
			"PK": "SETTINGS", "SK": "ORG", "type": "settings", "sendingPaused": true, "version": 2, "updatedAt": "2026-11-02T09:30:00Z",
			"updatedBy": "key:x",
		}},
		{"agreement", newAgreementItem(acmeAgreement()), map[string]any{
			"PK": "AGREEMENTS", "SK": "acme-2026", "type": "agreement", "key": "acme-2026", "customer": "Acme Bank", "engagement": "acme",
			"startDate": "2026-01-01", "obligations": []any{map[string]any{"id": "4.2", "text": "Train.", "kind": "training",
				"items": []any{"module:sec"}, "withinDays": 30, "target": 0.95}},
			"version": 2, "updatedAt": "2026-11-02T09:30:00Z", "updatedBy": "key:x",
		}},
		{"vendor", newVendorItem(orgconfig.VendorRecord{Vendor: orgconfig.Vendor{Key: "Northwind", ContactEmail: "ops@nw", OwnerID: "E1"},
			Version: 1, UpdatedAt: at0, UpdatedBy: "key:x"}), map[string]any{
			"PK": "VENDORS", "SK": "Northwind", "type": "vendor", "vendor": "Northwind", "contactEmail": "ops@nw", "ownerEmployeeId": "E1",
			"version": 1, "updatedAt": "2026-11-02T09:30:00Z", "updatedBy": "key:x",
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := attributevalue.MarshalMap(tc.item)
			if err != nil {
				t.Fatal(err)
			}
			want, err := attributevalue.MarshalMap(tc.want)
			if err != nil {
				t.Fatal(err)
			}
			for _, k := range sortedKeys(got, want) {
				if !reflect.DeepEqual(got[k], want[k]) {
					t.Errorf("attribute %q: stored as %#v, want %#v", k, got[k], want[k])
				}
			}
		})
	}
}

// sha256Hex is the lowercase hex SHA-256 of s.
func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TestAuditHashSurvivesTheRoundTrip: an event stored and read back, whatever
// its details (integers, which come back float64, lists, unicode, HTML
// characters, none at all), has the hash stored with it.
func TestAuditHashSurvivesTheRoundTrip(t *testing.T) {
	for _, tt := range []struct {
		name    string
		details map[string]any
	}{
		{"none", nil},
		{"empty", map[string]any{}},
		{"numbers", map[string]any{"revision": 2, "big": int64(1) << 52, "ratio": 0.1, "neg": -3}},
		{"lists and maps", map[string]any{"fields": []string{"name", "email"}, "by": map[string]int{"a": 1}, "none": nil, "yes": true}},
		{"unicode and HTML", map[string]any{"name": "Zoë 日本 \u2028", "note": "<script>&amp;</script>", "q": `"quoted"`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := audit.Event{ID: "ev", At: at0.Add(123456789), Actor: "person:É", Action: "x", Subject: "s", Source: "192.0.2.1", Details: tt.details}
			it, _ := roundTrip(t, newAuditItem(e))
			if it.Hash != audit.Hash(e) || audit.Hash(it.event()) != it.Hash {
				t.Errorf("stored hash %s, event written %s, read back %s: %s", it.Hash, audit.Hash(e), audit.Hash(it.event()), audit.Canonical(it.event()))
			}
		})
	}
}

// sortedKeys returns the attribute names of both maps.
func sortedKeys(a, b map[string]types.AttributeValue) []string {
	var ks []string
	for k := range a {
		ks = append(ks, k)
	}
	for k := range b {
		if _, ok := a[k]; !ok {
			ks = append(ks, k)
		}
	}
	slices.Sort(ks)
	return ks
}

// roundTrip marshals item as the store writes it, unmarshals it as the
// store reads it, and returns the item read.
func roundTrip[I any](t *testing.T, item I) (I, map[string]types.AttributeValue) {
	t.Helper()
	av, err := attributevalue.MarshalMap(item)
	if err != nil {
		t.Fatal(err)
	}
	var back I
	if err := attributevalue.UnmarshalMap(av, &back); err != nil {
		t.Fatal(err)
	}
	return back, av
}

// TestItemConversionsRoundTrip checks that a domain value written as an item
// and read back is the same value, and that zero instants are left out of
// the item rather than stored as the year 1.
func TestItemConversionsRoundTrip(t *testing.T) {
	type check struct {
		name string
		// run returns the value read back, the value written and the stored item.
		run func(t *testing.T) (got, want any, av map[string]types.AttributeValue)
		// absent lists attributes that must not be stored.
		absent []string
	}
	assignment := func(a assign.Assignment) func(t *testing.T) (any, any, map[string]types.AttributeValue) {
		return func(t *testing.T) (any, any, map[string]types.AttributeValue) {
			it, av := roundTrip(t, newAssignmentItem(a))
			got, err := it.assignment()
			if err != nil {
				t.Fatal(err)
			}
			return got, a, av
		}
	}
	notification := func(r reminder.Record) func(t *testing.T) (any, any, map[string]types.AttributeValue) {
		return func(t *testing.T) (any, any, map[string]types.AttributeValue) {
			it, av := roundTrip(t, newNotificationItem(r))
			got, err := it.record()
			if err != nil {
				t.Fatal(err)
			}
			return got, r, av
		}
	}
	apiKey := func(k auth.APIKey) func(t *testing.T) (any, any, map[string]types.AttributeValue) {
		return func(t *testing.T) (any, any, map[string]types.AttributeValue) {
			it, av := roundTrip(t, newAPIKeyItem(k))
			got, err := it.apiKey()
			if err != nil {
				t.Fatal(err)
			}
			return got, k, av
		}
	}
	for _, tc := range []check{
		{name: "open assignment", run: assignment(openAssignment()), absent: []string{"completedAt", "score", "closedOn", "closeReason"}},
		{name: "completed assignment", run: assignment(completedAssignment()), absent: []string{"GSI4PK", "GSI4SK", "lastRemindedOn"}},
		{name: "sent notification", run: notification(sentRecord())},
		{name: "pending notification", run: notification(pendingRecord()), absent: []string{"sentAt", "messageId", "lastError"}},
		{name: "API key", run: apiKey(auth.APIKey{Hash: "h", Role: identity.Auditor, Label: "ci", CreatedAt: at0}), absent: []string{"revokedAt"}},
		{name: "revoked API key", run: apiKey(auth.APIKey{Hash: "h", Role: identity.Admin, Label: "ci", CreatedAt: at0, RevokedAt: at1})},
		{name: "API key with id, expiry and agreement", run: apiKey(auth.APIKey{ID: "key_0123456789abcdef", Hash: "h", Role: identity.Auditor, Label: "ci",
			CreatedAt: at0, CreatedBy: "person:E1", ExpiresOn: "2027-01-31", Agreement: "acme"})},
		{name: "acknowledgment", run: func(t *testing.T) (any, any, map[string]types.AttributeValue) {
			it, av := roundTrip(t, newAckItem(acknowledgment()))
			got, err := it.acknowledgment()
			if err != nil {
				t.Fatal(err)
			}
			return got, acknowledgment(), av
		}},
		{name: "person", run: func(t *testing.T) (any, any, map[string]types.AttributeValue) {
			it, av := roundTrip(t, newPersonItem(bobPerson(), 2, 3, at0))
			return it.record(), roster.Record{Person: bobPerson(), Revision: 2, Version: 3, UpdatedAt: at0}, av
		}},
		{name: "person with credentials revoked", run: func(t *testing.T) (any, any, map[string]types.AttributeValue) {
			item := newPersonItem(bobPerson(), 2, 3, at0)
			notBefore := at0.Add(123456789 * time.Nanosecond) // kept to the nanosecond
			item.CredentialsNotBefore = &notBefore
			it, av := roundTrip(t, item)
			return it.record(), roster.Record{Person: bobPerson(), Revision: 2, Version: 3, UpdatedAt: at0, CredentialsNotBefore: notBefore}, av
		}},
		{name: "revision", run: func(t *testing.T) (any, any, map[string]types.AttributeValue) {
			r := roster.Revision{Rev: 1, At: at0, Actor: "admin", Action: "person.created", Changes: roster.Diff(roster.Person{}, plainPerson()), Person: plainPerson()}
			it, av := roundTrip(t, newRevisionItem(r))
			return it.revision(), r, av
		}},
		{name: "attempt", run: func(t *testing.T) (any, any, map[string]types.AttributeValue) {
			a := assign.Attempt{EmployeeID: "E2", ModuleID: "sec", Cycle: 2, Number: 3, ModuleVersion: "2.0.0", ContentSHA256: "abc",
				Answers: map[string]string{"q1": "a", "q2": "c"}, Score: 100, Passed: true, At: at0, Source: "schedule"}
			it, av := roundTrip(t, newAttemptItem(a))
			return it.attempt(), a, av
		}},
		{name: "policy view", run: func(t *testing.T) (any, any, map[string]types.AttributeValue) {
			v := ack.View{EmployeeID: "E2", PolicyID: "aup", VersionSHA256: "abc", Cycle: "2026-v2", FirstViewedAt: at0}
			it, av := roundTrip(t, newViewItem(v))
			return it.view(), v, av
		}},
		{name: "audit event", run: func(t *testing.T) (any, any, map[string]types.AttributeValue) {
			e := audit.Event{ID: "ev", At: at0, Actor: "ses", Action: audit.ActionEmailUndeliverable, Subject: "email#a@b"}
			it, av := roundTrip(t, newAuditItem(e))
			return it.event(), e, av
		}, absent: []string{"source", "details"}},
		{name: "sign-in token", run: func(t *testing.T) (any, any, map[string]types.AttributeValue) {
			tok := auth.SignInToken{Hash: "h", EmployeeID: "E2", Kind: auth.LinkSignIn, CreatedAt: at0, ExpiresAt: at0.Add(auth.SignInLinkTTL)}
			it, av := roundTrip(t, newTokenItem(tok))
			return it.token(), tok, av
		}, absent: []string{"usedAt"}},
		{name: "session", run: func(t *testing.T) (any, any, map[string]types.AttributeValue) {
			s := auth.Session{Hash: "h", EmployeeID: "E2", CSRFToken: "c", CreatedAt: at0, LastSeen: at1}
			it, av := roundTrip(t, newSessionItem(s))
			return it.session(), s, av
		}},
		{name: "job state", run: func(t *testing.T) (any, any, map[string]types.AttributeValue) {
			st := assign.JobState{LastDay: "2026-11-02", Fingerprint: "fp", Version: 7}
			it, av := roundTrip(t, newJobItem("assign", st))
			return it.state(), st, av
		}},
		{name: "settings", run: func(t *testing.T) (any, any, map[string]types.AttributeValue) {
			st := orgconfig.Settings{SendingPaused: true, Version: 2, UpdatedAt: at0, UpdatedBy: "key:x"}
			it, av := roundTrip(t, newSettingsItem(st))
			return it.settings(), st, av
		}},
		{name: "agreement", run: func(t *testing.T) (any, any, map[string]types.AttributeValue) {
			it, av := roundTrip(t, newAgreementItem(acmeAgreement()))
			return it.agreement(), acmeAgreement(), av
		}, absent: []string{"endDate"}},
		{name: "vendor", run: func(t *testing.T) (any, any, map[string]types.AttributeValue) {
			v := orgconfig.VendorRecord{Vendor: orgconfig.Vendor{Key: "Contoso/Ltd #2", OwnerID: "E1"}, Version: 3, UpdatedAt: at0, UpdatedBy: "key:x"}
			it, av := roundTrip(t, newVendorItem(v))
			return it.record(), v, av
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, want, av := tc.run(t)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("read back %+v\nwrote     %+v", got, want)
			}
			for _, attr := range tc.absent {
				if v, ok := av[attr]; ok {
					t.Errorf("attribute %q stored as %#v, want it absent", attr, v)
				}
			}
		})
	}
}

// TestInstantsAreStoredToTheSecondInUTC checks the one format of the
// instants stored as text, and that a malformed one is an error, not a
// zero time.
func TestInstantsAreStoredToTheSecondInUTC(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	for _, tc := range []struct {
		in   time.Time
		want string
	}{
		{time.Time{}, ""},
		{at0, "2026-11-02T09:30:00Z"},
		{time.Date(2026, 11, 2, 10, 30, 0, 999_999_999, berlin), "2026-11-02T09:30:00Z"},
	} {
		got := formatInstant(tc.in)
		if got != tc.want {
			t.Errorf("formatInstant(%v) = %q, want %q", tc.in, got, tc.want)
		}
		back, err := parseInstant("x", got)
		if err != nil || !back.Equal(tc.in.Truncate(time.Second)) {
			t.Errorf("parseInstant(%q) = %v, %v; want %v", got, back, err, tc.in.Truncate(time.Second))
		}
	}
	if _, err := parseInstant("completedAt", "2026-11-02"); err == nil {
		t.Error("parseInstant of a date: no error")
	}
	if _, err := (assignmentItem{CompletedAt: "yesterday"}).assignment(); err == nil {
		t.Error("assignment with a malformed completedAt: no error")
	}
}
