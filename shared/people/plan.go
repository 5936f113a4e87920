package people

import (
	"cmp"
	"fmt"
	"slices"
	"time"

	"github.com/attest-oss/attest/shared/apperr"
)

// Mode says what an upload means for stored people who are not in it.
type Mode string

// Import modes.
const (
	// ModeSync treats the upload as the whole roster: stored people absent
	// from it are deactivated (never deleted).
	ModeSync Mode = "sync"
	// ModeUpsert creates and updates the people in the upload and leaves
	// everyone else alone.
	ModeUpsert Mode = "upsert"
)

// ParseMode parses the mode query parameter; "" means ModeSync. Any other
// value than "sync" or "upsert" gives an *apperr.Error with code Invalid.
func ParseMode(s string) (Mode, error) {
	switch Mode(s) {
	case "", ModeSync:
		return ModeSync, nil
	case ModeUpsert:
		return ModeUpsert, nil
	}
	return "", apperr.New(apperr.Invalid, "mode must be sync or upsert, not %q", s)
}

// Plan is what an import changes in the stored roster. Every slice is sorted
// by employee id.
type Plan struct {
	// Created holds the people of the upload who are not stored yet.
	Created []Person
	// Updated holds the stored people whose data the upload changes,
	// including people reactivated by an empty end_date.
	Updated []Change
	// Deactivated holds, in sync mode, the stored people absent from the
	// upload who are still active: only their end date changes.
	Deactivated []Change
	// Unchanged counts the people of the upload whose stored data is
	// already the same.
	Unchanged int
	// Warnings holds what the import found worth telling (unknown roles),
	// by row; the upload's own warnings stay in Upload.Warnings.
	Warnings []apperr.Problem
}

// Change is a planned change to a stored person.
type Change struct {
	Before, After Person
	// Fields lists exactly the fields that differ, in header order.
	Fields []FieldChange
}

// FieldChange is one changed field of a person. Field is named as in the CSV
// header (snake_case); lists are joined with ";".
type FieldChange struct {
	Field string `json:"field"`
	From  string `json:"from"`
	To    string `json:"to"`
}

// PlanImport validates the upload against the stored roster and returns
// what must change for the stored roster to match it on day today
// (YYYY-MM-DD). stored holds every stored person, active or not, normalised.
// knownRole reports whether a role key has a curriculum; roles for which it
// returns false, other than the access roles admin and auditor, are warned
// about. A nil knownRole knows every role.
//
// Each person is checked on its own (required fields, formats, lengths,
// dates, time zone) and against the others: employee ids and emails unique
// (emails ignoring case), no email of a stored person with another employee
// id (deactivated people keep theirs), every manager known, no one their own
// manager, no manager cycles. In sync mode managers must be in the upload;
// in upsert mode they may be stored people, and cycles are looked for in the
// stored roster overlaid with the upload.
//
// When anything is invalid PlanImport returns an *apperr.Error with code
// Invalid carrying every problem, by row, and nothing must be written. Bad
// arguments (mode, today, Rows not matching People) give a plain error.
//
// In sync mode a stored person absent from the upload and active on today
// gets the end date of the day before today, so that they are a leaver from
// today; a person whose start date is later than that (a future starter
// taken off the roster) gets their start date instead, the earliest end
// date a person can have. People who have already left are left alone.
// Upsert mode never deactivates anyone. A person in the upload replaces the
// stored one in full: an absent column or field clears the value.
func PlanImport(u Upload, stored []Person, mode Mode, today string, knownRole func(string) bool) (Plan, error) {
	if mode != ModeSync && mode != ModeUpsert {
		return Plan{}, fmt.Errorf("people: plan import: unknown mode %q", mode)
	}
	if msg := dateError(today); msg != "" {
		return Plan{}, fmt.Errorf("people: plan import: today: %s", msg)
	}
	if len(u.Rows) != len(u.People) {
		return Plan{}, fmt.Errorf("people: plan import: %d rows for %d people", len(u.Rows), len(u.People))
	}

	c := checker{u: u, knownRole: knownRole, zones: make(map[string]bool)}
	if len(u.People) == 0 {
		c.problems = append(c.problems, apperr.Problem{Message: "no people in the upload"})
	}
	people := make([]Person, len(u.People))
	for i, p := range u.People {
		people[i] = c.person(p, u.Rows[i])
	}
	storedByID := make(map[string]*Person, len(stored))
	for i := range stored {
		storedByID[stored[i].EmployeeID] = &stored[i]
	}
	c.crossCheck(people, u.Rows, stored, storedByID, mode)
	if len(c.problems) > 0 {
		slices.SortStableFunc(c.problems, byRow)
		return Plan{}, apperr.InvalidWith(countProblems(len(c.problems)), c.problems)
	}

	plan := Plan{Warnings: c.warnings} // in upload order
	inUpload := make(map[string]bool, len(people))
	for _, p := range people {
		inUpload[p.EmployeeID] = true
		before, ok := storedByID[p.EmployeeID]
		if !ok {
			plan.Created = append(plan.Created, p)
			continue
		}
		if changes := Diff(*before, p); len(changes) > 0 {
			plan.Updated = append(plan.Updated, Change{Before: *before, After: p, Fields: changes})
		} else {
			plan.Unchanged++
		}
	}
	if mode == ModeSync {
		end := dayBefore(today)
		for _, s := range stored {
			if inUpload[s.EmployeeID] || !s.ActiveOn(today) {
				continue
			}
			after := s
			after.EndDate = max(end, s.StartDate)
			plan.Deactivated = append(plan.Deactivated, Change{Before: s, After: after, Fields: Diff(s, after)})
		}
	}
	slices.SortFunc(plan.Created, func(a, b Person) int { return cmp.Compare(a.EmployeeID, b.EmployeeID) })
	slices.SortFunc(plan.Updated, byEmployeeID)
	slices.SortFunc(plan.Deactivated, byEmployeeID)
	return plan, nil
}

// Diff lists the fields that differ between two people, in header order,
// named as in the CSV header; lists are joined with ";". Diff(Person{}, p)
// lists every field p sets.
func Diff(before, after Person) []FieldChange {
	var changes []FieldChange
	for _, f := range fields {
		if f.list != nil && slices.Equal(*f.list(&before), *f.list(&after)) {
			continue // without joining them
		}
		if from, to := f.value(&before), f.value(&after); from != to {
			changes = append(changes, FieldChange{Field: f.csv, From: from, To: to})
		}
	}
	return changes
}

// dayBefore returns the day before day, a valid YYYY-MM-DD date.
func dayBefore(day string) string {
	t, _ := time.Parse(DateLayout, day) // checked by PlanImport
	return t.AddDate(0, 0, -1).Format(DateLayout)
}

func byRow(a, b apperr.Problem) int { return cmp.Compare(a.Row, b.Row) }

func byEmployeeID(a, b Change) int { return cmp.Compare(a.After.EmployeeID, b.After.EmployeeID) }

// countProblems is the message of the error carrying n problems.
func countProblems(n int) string {
	if n == 1 {
		return "the roster has 1 problem"
	}
	return fmt.Sprintf("the roster has %d problems", n)
}
