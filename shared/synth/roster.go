package synth

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strings"

	"github.com/attest-oss/attest/shared/roster"
)

// KnownOn is the upload day on which HR first uploads the member: the last
// upload day on or before their start date, or the first upload day.
func (o *Org) KnownOn(m *Member) string { return o.uploadOnOrBefore(m.StartDate) }

// EndKnownOn is the upload day on which HR uploads the member's end date
// (the last upload day on or before it), or "" when they do not leave.
func (o *Org) EndKnownOn(m *Member) string {
	if m.EndDate == "" {
		return ""
	}
	return o.uploadOnOrBefore(m.EndDate)
}

func (o *Org) uploadOnOrBefore(d string) string {
	i, found := slices.BinarySearch(o.UploadDays, d)
	if !found {
		i--
	}
	return o.UploadDays[max(i, 0)]
}

// PersonOn returns the member's row as the roster uploaded on day shows it
// (day need not be an upload day: the row of the last upload on or before
// it), and whether they are in it at all.
func (o *Org) PersonOn(m *Member, d string) (roster.Person, bool) {
	if o.KnownOn(m) > d {
		return roster.Person{}, false
	}
	p := m.Person
	if e := o.EndKnownOn(m); e != "" && e > d {
		p.EndDate = ""
	}
	if m.Before != nil && d < o.ReorgDay {
		p.ManagerID, p.Department, p.Roles = m.Before.ManagerID, m.Before.Department, m.Before.Roles
	}
	return p, true
}

// RosterOn returns the roster HR uploads on day: everyone known by then, as
// PersonOn shows them, in employee id order.
func (o *Org) RosterOn(d string) []roster.Person {
	out := make([]roster.Person, 0, len(o.Members))
	for i := range o.Members {
		if p, ok := o.PersonOn(&o.Members[i], d); ok {
			out = append(out, p)
		}
	}
	return out
}

// Header is the roster CSV header, in the contract's column order.
var Header = []string{"employee_id", "email", "name", "roles", "manager_id", "department", "employment_type",
	"vendor", "engagements", "start_date", "end_date", "time_zone"}

// CSV renders people as a roster CSV file (the contract's format), in the
// order given.
func CSV(people []roster.Person) []byte {
	var b bytes.Buffer
	b.Grow(len(people) * 160)
	w := csv.NewWriter(&b)
	_ = w.Write(Header)
	for _, p := range people {
		_ = w.Write([]string{p.EmployeeID, p.Email, p.Name, strings.Join(p.Roles, ";"), p.ManagerID, p.Department,
			string(p.EmploymentType), p.Vendor, strings.Join(p.Engagements, ";"), p.StartDate, p.EndDate, p.TimeZone})
	}
	w.Flush()
	return b.Bytes()
}
