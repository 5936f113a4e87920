package demo

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/attest-oss/attest/shared/agreement"
	"github.com/attest-oss/attest/shared/roster"
)

// Change is one roster change of the demo year that the roster of today no
// longer shows: until Date, the fields set in Before held those values.
type Change struct {
	Date       string `yaml:"date"`
	EmployeeID string `yaml:"employee_id"`
	Note       string `yaml:"note"`
	Before     struct {
		ManagerID  *string `yaml:"manager_id"`
		Department *string `yaml:"department"`
		Roles      *string `yaml:"roles"`
	} `yaml:"before"`
}

// Waiver is one waiver of the demo year: granted on Date, holding through
// ExpiresOn unless revoked on RevokedOn (empty: not revoked). The waiver
// service checks the rest when the simulation grants it.
type Waiver struct {
	Date       string `yaml:"date"`
	EmployeeID string `yaml:"employee_id"`
	Item       string `yaml:"item"`
	Reason     string `yaml:"reason"`
	Approver   string `yaml:"approver"`
	ExpiresOn  string `yaml:"expires_on"`
	RevokedOn  string `yaml:"revoked_on"`
}

// Agreement is one customer agreement of the demo year, saved on Date (a
// date before the simulated year: on its first day) with the terms the
// agreement service validates.
type Agreement struct {
	Date        string `yaml:"date"`
	Key         string `yaml:"key"`
	Customer    string `yaml:"customer"`
	Engagement  string `yaml:"engagement"`
	StartDate   string `yaml:"start_date"`
	EndDate     string `yaml:"end_date"`
	Obligations []struct {
		ID         string   `yaml:"id"`
		Text       string   `yaml:"text"`
		Kind       string   `yaml:"kind"`
		Items      []string `yaml:"items"`
		WithinDays int      `yaml:"within_days"`
		Target     float64  `yaml:"target"`
	} `yaml:"obligations"`
}

// Terms returns the agreement as the agreement service takes it.
func (a Agreement) Terms() agreement.Agreement {
	out := agreement.Agreement{Key: a.Key, Customer: a.Customer, Engagement: a.Engagement, StartDate: a.StartDate, EndDate: a.EndDate}
	for _, o := range a.Obligations {
		out.Obligations = append(out.Obligations, agreement.Obligation{
			ID: o.ID, Text: o.Text, Kind: o.Kind, Items: o.Items, WithinDays: o.WithinDays, Target: o.Target,
		})
	}
	return out
}

// Rollout is one department HR loaded after the first day: its people,
// as they then were, are first uploaded on Date (the others on the first
// day, hires two weeks before their start date).
type Rollout struct {
	Date       string `yaml:"date"`
	Department string `yaml:"department"`
	Note       string `yaml:"note"`
}

// History is what a history file describes: the departments' rollout, the
// roster changes, the waivers and the customer agreements of the year.
type History struct {
	Rollout    []Rollout   `yaml:"rollout"`
	Changes    []Change    `yaml:"changes"`
	Waivers    []Waiver    `yaml:"waivers"`
	Agreements []Agreement `yaml:"agreements"`
}

// ParseHistory reads a history file (content/demo/history.yaml): its changes,
// each with a valid date, an employee id and at least one field before; and
// its waivers, each with valid dates (revoked after granted) and an
// employee id.
func ParseHistory(b []byte) (History, error) {
	var h History
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&h); err != nil {
		return History{}, fmt.Errorf("demo history: %w", err)
	}
	for i, c := range h.Changes {
		if _, err := time.Parse(roster.DateLayout, c.Date); err != nil {
			return History{}, fmt.Errorf("demo history: change %d: date must be YYYY-MM-DD, got %q", i+1, c.Date)
		}
		if c.EmployeeID == "" {
			return History{}, fmt.Errorf("demo history: change %d: employee_id is missing", i+1)
		}
		if c.Before.ManagerID == nil && c.Before.Department == nil && c.Before.Roles == nil {
			return History{}, fmt.Errorf("demo history: change %d: before names no field", i+1)
		}
	}
	for i, w := range h.Waivers {
		for _, d := range []struct{ name, value string }{{"date", w.Date}, {"expires_on", w.ExpiresOn}} {
			if _, err := time.Parse(roster.DateLayout, d.value); err != nil {
				return History{}, fmt.Errorf("demo history: waiver %d: %s must be YYYY-MM-DD, got %q", i+1, d.name, d.value)
			}
		}
		if _, err := time.Parse(roster.DateLayout, w.RevokedOn); w.RevokedOn != "" && (err != nil || w.RevokedOn <= w.Date) {
			return History{}, fmt.Errorf("demo history: waiver %d: revoked_on must be a YYYY-MM-DD after date, got %q", i+1, w.RevokedOn)
		}
		if w.EmployeeID == "" {
			return History{}, fmt.Errorf("demo history: waiver %d: employee_id is missing", i+1)
		}
	}
	for i, r := range h.Rollout {
		if _, err := time.Parse(roster.DateLayout, r.Date); err != nil || r.Department == "" {
			return History{}, fmt.Errorf("demo history: rollout %d: needs a YYYY-MM-DD date and a department, got %q and %q", i+1, r.Date, r.Department)
		}
	}
	for i, a := range h.Agreements {
		if _, err := time.Parse(roster.DateLayout, a.Date); err != nil {
			return History{}, fmt.Errorf("demo history: agreement %d: date must be YYYY-MM-DD, got %q", i+1, a.Date)
		}
	}
	return h, nil
}

// Upload is one roster upload of the simulated year: on Day, HR uploads the
// roster as it then stands.
type Upload struct {
	Day    string
	People []roster.Person
}

// hrNotice is how long before a start or end date HR uploads it.
const hrNotice = 14

// Timeline returns the roster uploads of the days from first to last (both
// YYYY-MM-DD) that end with today's people: everyone known on first is in
// the first upload, unless their department (as it was on first) was
// rolled out later, then they are first uploaded on its rollout date; a
// hire is uploaded hrNotice days before their start date and a leaver's end
// date hrNotice days before it (neither before first nor after last); each
// change applies from its date (clamped the same way). The last upload
// holds today's people exactly.
func Timeline(today []roster.Person, h History, first, last string) ([]Upload, error) {
	changes := h.Changes
	byID := make(map[string]bool, len(today))
	for _, p := range today {
		byID[p.EmployeeID] = true
	}
	clamp := func(d string) string { return min(max(d, first), last) }
	rollout := make(map[string]string, len(h.Rollout))
	for _, r := range h.Rollout {
		rollout[r.Department] = clamp(r.Date)
	}
	days := map[string]bool{first: true}
	known := make(map[string]string, len(today))
	endKnown := make(map[string]string, len(today))
	for _, p := range today {
		known[p.EmployeeID] = clamp(addDays(p.StartDate, -hrNotice))
		if d, ok := rollout[firstDepartment(p, changes)]; ok {
			known[p.EmployeeID] = max(known[p.EmployeeID], d)
		}
		days[known[p.EmployeeID]] = true
		if p.EndDate != "" {
			endKnown[p.EmployeeID] = max(known[p.EmployeeID], clamp(addDays(p.EndDate, -hrNotice)))
			days[endKnown[p.EmployeeID]] = true
		}
	}
	for _, c := range changes {
		if !byID[c.EmployeeID] {
			return nil, fmt.Errorf("demo history: %s changed on %s is not in the roster", c.EmployeeID, c.Date)
		}
		days[clamp(c.Date)] = true
	}
	// Latest change first, so that each person's earliest state wins.
	changes = slices.Clone(changes)
	slices.SortStableFunc(changes, func(a, b Change) int { return strings.Compare(b.Date, a.Date) })
	order := make([]string, 0, len(days))
	for d := range days {
		order = append(order, d)
	}
	slices.Sort(order)
	out := make([]Upload, 0, len(order))
	for _, day := range order {
		var people []roster.Person
		for _, p := range today {
			if known[p.EmployeeID] > day {
				continue
			}
			if e, ok := endKnown[p.EmployeeID]; ok && e > day {
				p.EndDate = ""
			}
			for _, c := range changes {
				if c.EmployeeID != p.EmployeeID || clamp(c.Date) <= day {
					continue
				}
				if c.Before.ManagerID != nil {
					p.ManagerID = *c.Before.ManagerID
				}
				if c.Before.Department != nil {
					p.Department = *c.Before.Department
				}
				if c.Before.Roles != nil {
					p.Roles = strings.Split(*c.Before.Roles, ";")
				}
			}
			people = append(people, p)
		}
		out = append(out, Upload{Day: day, People: people})
	}
	return out, nil
}

// firstDepartment returns p's department before any of changes: the
// earliest change naming a department before holds it.
func firstDepartment(p roster.Person, changes []Change) string {
	dept, on := p.Department, ""
	for _, c := range changes {
		if c.EmployeeID == p.EmployeeID && c.Before.Department != nil && (on == "" || c.Date < on) {
			dept, on = *c.Before.Department, c.Date
		}
	}
	return dept
}

// csvHeader is the roster's CSV header (the contract's column order).
var csvHeader = []string{"employee_id", "email", "name", "roles", "manager_id", "department", "employment_type",
	"vendor", "engagements", "start_date", "end_date", "time_zone"}

// CSV renders people as a roster CSV file.
func CSV(people []roster.Person) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write(csvHeader)
	for _, p := range people {
		_ = w.Write([]string{p.EmployeeID, p.Email, p.Name, strings.Join(p.Roles, ";"), p.ManagerID, p.Department,
			string(p.EmploymentType), p.Vendor, strings.Join(p.Engagements, ";"), p.StartDate, p.EndDate, p.TimeZone})
	}
	w.Flush()
	return b.Bytes()
}

// addDays returns day (YYYY-MM-DD) moved by n days; an invalid day stays.
func addDays(day string, n int) string {
	t, err := time.Parse(roster.DateLayout, day)
	if err != nil {
		return day
	}
	return t.AddDate(0, 0, n).Format(roster.DateLayout)
}
