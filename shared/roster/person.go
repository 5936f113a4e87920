// Package roster holds the organisation's people: a person as the roster
// describes them, how an upload (CSV or JSON) is parsed and validated, how it
// changes the stored roster (PlanImport, pure), and the import service that
// writes the plan and has training assigned. It imports no AWS package.
package roster

import (
	"slices"
	"sync"
	"time"

	"github.com/attest-oss/attest/shared/identity"
)

// DateLayout is the layout of every calendar date (YYYY-MM-DD).
const DateLayout = time.DateOnly

// EmploymentType says how a person is engaged.
type EmploymentType string

// Employment types accepted in a roster.
const (
	Employee      EmploymentType = "employee"
	Contractor    EmploymentType = "contractor"
	Subcontractor EmploymentType = "subcontractor"
)

// Person is one row of the roster, normalised: role keys and engagements are
// lower-case, sorted and unique; the email keeps the case it was given.
// StartDate and EndDate are calendar days (YYYY-MM-DD) in the person's time
// zone, not instants.
type Person struct {
	EmployeeID     string         `json:"employeeId"`
	Email          string         `json:"email"`
	Name           string         `json:"name"`
	Roles          []string       `json:"roles"`
	ManagerID      string         `json:"managerId"`
	Department     string         `json:"department"`
	EmploymentType EmploymentType `json:"employmentType"`
	Vendor         string         `json:"vendor"`
	Engagements    []string       `json:"engagements"`
	StartDate      string         `json:"startDate"`
	EndDate        string         `json:"endDate"`
	TimeZone       string         `json:"timeZone"`
}

// ActiveOn reports whether the person is still engaged on day (YYYY-MM-DD):
// end_date is the last day of engagement, so a person is active on it and a
// leaver from the next day.
func (p Person) ActiveOn(day string) bool {
	return p.EndDate == "" || day <= p.EndDate
}

// HasRole reports whether the person holds role key.
func (p Person) HasRole(key string) bool { return slices.Contains(p.Roles, key) }

// HasAccess reports whether the person holds the access role r through the
// roster's roles column.
func (p Person) HasAccess(r identity.Role) bool { return p.HasRole(string(r)) }

// Location returns the person's time zone, or UTC when it is empty or unknown.
// Zones are loaded once per process: time.LoadLocation reads the zone
// database on every call.
func (p Person) Location() *time.Location {
	if p.TimeZone == "" || p.TimeZone == "UTC" {
		return time.UTC
	}
	if loc, ok := locations.Load(p.TimeZone); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(p.TimeZone)
	if err != nil {
		return time.UTC
	}
	locations.Store(p.TimeZone, loc)
	return loc
}

// locations caches loaded time zones by name.
var locations sync.Map

// Equal reports whether two normalised people hold the same roster data.
func (p Person) Equal(q Person) bool {
	return p.EmployeeID == q.EmployeeID && p.Email == q.Email && p.Name == q.Name &&
		slices.Equal(p.Roles, q.Roles) && p.ManagerID == q.ManagerID &&
		p.Department == q.Department && p.EmploymentType == q.EmploymentType &&
		p.Vendor == q.Vendor && slices.Equal(p.Engagements, q.Engagements) &&
		p.StartDate == q.StartDate && p.EndDate == q.EndDate && p.TimeZone == q.TimeZone
}
