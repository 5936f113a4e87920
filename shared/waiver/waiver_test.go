package waiver

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/roster"
)

func TestCheck(t *testing.T) {
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	active := &roster.Person{EmployeeID: "E1", StartDate: "2026-01-05"}
	leaver := &roster.Person{EmployeeID: "E2", StartDate: "2026-01-05", EndDate: "2026-11-01"}
	lastDay := &roster.Person{EmployeeID: "E3", StartDate: "2026-01-05", EndDate: "2026-11-02"}
	valid := Request{EmployeeID: "E1", Item: "module:security-awareness", Reason: "On leave", Approver: "CISO", ExpiresOn: "2027-01-31"}
	const today = "2026-11-02"
	tests := []struct {
		name   string
		edit   func(*Request)
		person *roster.Person
		want   string // fields in error, comma-separated
	}{
		{"Valid", func(*Request) {}, active, ""},
		{"PolicyItem", func(r *Request) { r.Item = "policy:acceptable-use" }, active, ""},
		{"ExpiresToday", func(r *Request) { r.ExpiresOn = today }, active, ""},
		{"ExpiresInOneYear", func(r *Request) { r.ExpiresOn = "2027-11-02" }, active, ""},
		{"PersonOnTheirLastDay", func(*Request) {}, lastDay, ""},
		{"ExpiredYesterday", func(r *Request) { r.ExpiresOn = "2026-11-01" }, active, "expiresOn"},
		{"OverOneYear", func(r *Request) { r.ExpiresOn = "2027-11-03" }, active, "expiresOn"},
		{"NotADate", func(r *Request) { r.ExpiresOn = "2027-02-30" }, active, "expiresOn"},
		{"NoExpiry", func(r *Request) { r.ExpiresOn = "" }, active, "expiresOn"},
		{"UnknownPerson", func(*Request) {}, nil, "employeeId"},
		{"NoPerson", func(r *Request) { r.EmployeeID = "" }, nil, "employeeId"},
		{"Leaver", func(*Request) {}, leaver, "employeeId"},
		{"UnknownModule", func(r *Request) { r.Item = "module:nope" }, active, "item"},
		{"UnknownPolicy", func(r *Request) { r.Item = "policy:nope" }, active, "item"},
		{"PolicyIDAsModule", func(r *Request) { r.Item = "module:acceptable-use" }, active, "item"},
		{"BadPrefix", func(r *Request) { r.Item = "security-awareness" }, active, "item"},
		{"NoItem", func(r *Request) { r.Item = "" }, active, "item"},
		{"BlankReason", func(r *Request) { r.Reason = " \t" }, active, "reason"},
		{"LongReason", func(r *Request) { r.Reason = strings.Repeat("é", MaxReasonLen+1) }, active, "reason"},
		{"ReasonAtLimit", func(r *Request) { r.Reason = strings.Repeat("é", MaxReasonLen) }, active, ""},
		{"ControlCharacterInReason", func(r *Request) { r.Reason = "on\x00leave" }, active, "reason"},
		{"NoApprover", func(r *Request) { r.Approver = "" }, active, "approver"},
		{"Several", func(r *Request) { r.Reason, r.Approver, r.ExpiresOn = "", "", "2020-01-01" }, active, "reason,approver,expiresOn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := valid
			tt.edit(&req)
			var fields []string
			for _, p := range Check(req, tt.person, cat, today) {
				fields = append(fields, p.Field)
			}
			if got := strings.Join(fields, ","); got != tt.want {
				t.Errorf("fields in error %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHolds(t *testing.T) {
	w := Waiver{ID: "wvr_0123456789abcdef", Item: "module:m", ExpiresOn: "2026-12-10"}
	revoked := w
	revoked.RevokedAt = time.Date(2026, 11, 5, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		w    Waiver
		at   time.Time
		want bool
	}{
		{w, time.Date(2026, 12, 10, 23, 59, 59, 0, time.UTC), true},
		{w, time.Date(2026, 12, 11, 0, 0, 0, 0, time.UTC), false},
		// The UTC day decides, whatever the zone of the instant.
		{w, time.Date(2026, 12, 11, 0, 30, 0, 0, time.FixedZone("UTC+1", 3600)), true},
		{revoked, time.Date(2026, 11, 4, 0, 0, 0, 0, time.UTC), false},
	}
	for i, tt := range tests {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			if got := tt.w.HoldsAt(tt.at); got != tt.want {
				t.Errorf("HoldsAt(%s) = %v, want %v", tt.at, got, tt.want)
			}
		})
	}
	if w.WakeOn() != "2026-12-11" {
		t.Errorf("WakeOn = %s", w.WakeOn())
	}
	if e, ok := w.Exemption(); !ok || e.ModuleID != "m" || e.Through != "2026-12-10" || e.Revoked {
		t.Errorf("Exemption = %+v %v", e, ok)
	}
	if _, ok := (Waiver{Item: "policy:p"}).Exemption(); ok {
		t.Error("a policy waiver is no exemption")
	}
	if !IsID(NewID()) || IsID("wvr_0123") || IsID("key_0123456789abcdef") {
		t.Error("IsID")
	}
}
