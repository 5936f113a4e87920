package roster

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
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
	// Warnings holds what the import found worth telling (unknown roles,
	// columns absent from a sync CSV that clear stored values), by row; the
	// upload's own warnings stay in Upload.Warnings.
	Warnings []apperr.Problem
}

// Change is a planned change to a stored person.
type Change struct {
	Before, After Person
	// Fields lists exactly the fields that differ, in header order.
	Fields []FieldChange
	// RevokesCredentials says that the change ends the person's
	// outstanding sign-in links and sessions: their email changes, or they
	// stop (or start again) being active on the import day.
	RevokesCredentials bool
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
// Invalid carrying the problems, by row, and nothing must be written: at
// most 1,000 of them, the last saying how many more there were, while the
// error's message counts them all. Bad arguments (mode, today, Rows not
// matching People) give a plain error.
//
// In sync mode a stored person absent from the upload and active on today
// gets the end date of the day before today, so that they are a leaver from
// today; a person whose start date is later than that (a future starter
// taken off the roster) gets their start date instead, the earliest end
// date a person can have. People who have already left are left alone.
// Upsert mode never deactivates anyone, and a stored person keeps the value
// of each optional field their row does not give: a column absent from the
// CSV header, a field absent from the JSON object (an empty cell, "" or null
// is given, and clears the value). Required fields are always given. The
// person is checked, and compared with the stored one, merged that way. A
// person not stored yet gets defaults for what is not given, as in sync
// mode, where the upload is the whole truth: what is not given is cleared,
// or set to its default (employment_type employee, time_zone UTC). A sync
// CSV whose header lacks an optional column gets a warning on row 1 when
// that clears or resets the stored value of someone in the upload.
//
// An unknown role gives one warning, on the first row that uses it, which
// says how many rows do and lists the first ten. Warnings are capped as
// problems are.
func PlanImport(u Upload, stored []Person, mode Mode, today string, knownRole func(string) bool) (Plan, error) {
	return planImport(u, stored, mode, today, knownRole, maxProblems)
}

// planImport is PlanImport refusing with at most limit problems (the last
// saying how many more there were).
func planImport(u Upload, stored []Person, mode Mode, today string, knownRole func(string) bool, limit int) (Plan, error) {
	if mode != ModeSync && mode != ModeUpsert {
		return Plan{}, fmt.Errorf("people: plan import: unknown mode %q", mode)
	}
	if msg := dateError(today); msg != "" {
		return Plan{}, fmt.Errorf("people: plan import: today: %s", msg)
	}
	if len(u.Rows) != len(u.People) {
		return Plan{}, fmt.Errorf("people: plan import: %d rows for %d people", len(u.Rows), len(u.People))
	}
	if u.given != nil && len(u.given) != len(u.People) {
		return Plan{}, fmt.Errorf("people: plan import: the people of the upload were changed after parsing")
	}

	storedByID := make(map[string]*Person, len(stored))
	for i := range stored {
		storedByID[stored[i].EmployeeID] = &stored[i]
	}
	c := checker{u: u, knownRole: knownRole, zones: make(map[string]bool), unknownRoles: make(map[string]*roleUse)}
	if len(u.People) == 0 {
		c.problems = append(c.problems, apperr.Problem{Message: "no people in the upload"})
	}
	people := make([]Person, len(u.People))
	for i, p := range u.People {
		if before, ok := storedByID[strings.TrimSpace(p.EmployeeID)]; ok && mode == ModeUpsert {
			p = merge(p, *before, u.givenBy(i))
		}
		people[i] = c.person(p, u.Rows[i])
	}
	c.crossCheck(people, u.Rows, stored, storedByID, mode)
	if n := len(c.problems); n > 0 {
		slices.SortStableFunc(c.problems, byRow)
		return Plan{}, apperr.InvalidWith(countProblems(n), capped(c.problems, n, limit, "problems"))
	}

	var plan Plan
	var changed fieldSet // the fields that updates change
	inUpload := make(map[string]bool, len(people))
	for _, p := range people {
		inUpload[p.EmployeeID] = true
		before, ok := storedByID[p.EmployeeID]
		if !ok {
			plan.Created = append(plan.Created, p)
			continue
		}
		changes := Diff(*before, p)
		if len(changes) == 0 {
			plan.Unchanged++
			continue
		}
		plan.Updated = append(plan.Updated, Change{Before: *before, After: p, Fields: changes, RevokesCredentials: revokes(*before, p, today)})
		for _, fc := range changes {
			changed = changed.with(csvFields[fc.Field])
		}
	}
	if mode == ModeSync {
		c.absentColumns(changed)
		end := dayBefore(today)
		for _, s := range stored {
			if inUpload[s.EmployeeID] || !s.ActiveOn(today) {
				continue
			}
			after := s
			after.EndDate = max(end, s.StartDate)
			plan.Deactivated = append(plan.Deactivated, Change{Before: s, After: after, Fields: Diff(s, after), RevokesCredentials: true})
		}
	}
	c.roleWarnings()
	plan.Warnings = capped(c.warnings, len(c.warnings), maxProblems, "warnings") // by row
	slices.SortFunc(plan.Created, func(a, b Person) int { return cmp.Compare(a.EmployeeID, b.EmployeeID) })
	slices.SortFunc(plan.Updated, byEmployeeID)
	slices.SortFunc(plan.Deactivated, byEmployeeID)
	return plan, nil
}

// merge returns p, the uploaded data of a person stored as before, with
// each optional field that their row does not give taken from before.
func merge(p, before Person, given fieldSet) Person {
	for f := range fields {
		if !given.has(f) && !required.has(f) {
			fields[f].copy(&p, &before)
		}
	}
	return p
}

// absentColumns warns, in sync mode, about each optional column absent from
// a CSV header that clears or resets stored values; changed holds the
// fields that updates change. Uploads without a header are not warned
// about.
func (c *checker) absentColumns(changed fieldSet) {
	if c.u.header == 0 {
		return
	}
	for f := range fields {
		if c.u.header.has(f) || !changed.has(f) {
			continue
		}
		what := "cleared"
		switch f {
		case fEmploymentType:
			what = "set to " + string(Employee)
		case fTimeZone:
			what = "set to UTC"
		}
		name := c.u.fieldName(f)
		c.warn(1, f, "column %q is absent: in sync mode every person's %s will be %s", name, name, what)
	}
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

// revokes reports whether a change of a person from before to after on day
// today ends their outstanding sign-in links and sessions: the links went to
// the old address (a change of case only keeps the mailbox), and what was
// issued before a deactivation must not work again after a return. A
// person who starts being active again had nothing that worked; revoking
// then also ends what they got before an end date passed on its own.
func revokes(before, after Person, today string) bool {
	return !strings.EqualFold(before.Email, after.Email) || before.ActiveOn(today) != after.ActiveOn(today)
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
