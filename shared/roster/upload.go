package roster

import (
	"fmt"
	"strings"

	"github.com/attest-oss/attest/shared/apperr"
)

// Upload is a parsed roster: people in upload order with the row number each
// came from, and the warnings found while parsing. Its people are as given
// (trimmed, lists split) and not yet validated: PlanImport validates and
// normalises them. It also records which fields each row gives, so that an
// upsert keeps what a row leaves out; an Upload built by hand gives every
// field of its people.
type Upload struct {
	// People holds the people of the rows that parsed, in upload order.
	People []Person
	// Rows holds, for each person, the row it came from: the spreadsheet
	// row for CSV (header = 1), the 1-based index in "people" for JSON.
	Rows []int
	// Warnings holds what was ignored, such as unknown columns or fields.
	Warnings []apperr.Problem

	// camelCase says problems name fields as in JSON (employeeId) rather
	// than as in the CSV header (employee_id).
	camelCase bool
	// given holds, for each person, the fields their row gives: the
	// header's columns in CSV, the object's keys in JSON (null or "" is
	// given, and clears the value). nil means every field.
	given []fieldSet
	// header holds the columns of a CSV header; it is empty for JSON and
	// for an Upload built by hand.
	header fieldSet
}

// givenBy returns the fields that the row of person i gives.
func (u Upload) givenBy(i int) fieldSet {
	if u.given == nil {
		return allFields
	}
	return u.given[i]
}

// fieldName returns how the upload's format names field f.
func (u Upload) fieldName(f int) string {
	if u.camelCase {
		return fields[f].json
	}
	return fields[f].csv
}

// field describes one roster column: its names in CSV and JSON and where its
// value lives in a Person. Exactly one of str and list is set.
type field struct {
	csv, json string
	str       func(*Person) *string   // a text value
	list      func(*Person) *[]string // ";"-separated in CSV, an array in JSON
}

// Indexes into fields.
const (
	fEmployeeID = iota
	fEmail
	fName
	fRoles
	fManagerID
	fDepartment
	fEmploymentType
	fVendor
	fEngagements
	fStartDate
	fEndDate
	fTimeZone
)

// fields lists the roster's columns in the contract's header order.
var fields = [...]field{
	fEmployeeID:     {csv: "employee_id", json: "employeeId", str: func(p *Person) *string { return &p.EmployeeID }},
	fEmail:          {csv: "email", json: "email", str: func(p *Person) *string { return &p.Email }},
	fName:           {csv: "name", json: "name", str: func(p *Person) *string { return &p.Name }},
	fRoles:          {csv: "roles", json: "roles", list: func(p *Person) *[]string { return &p.Roles }},
	fManagerID:      {csv: "manager_id", json: "managerId", str: func(p *Person) *string { return &p.ManagerID }},
	fDepartment:     {csv: "department", json: "department", str: func(p *Person) *string { return &p.Department }},
	fEmploymentType: {csv: "employment_type", json: "employmentType", str: func(p *Person) *string { return (*string)(&p.EmploymentType) }},
	fVendor:         {csv: "vendor", json: "vendor", str: func(p *Person) *string { return &p.Vendor }},
	fEngagements:    {csv: "engagements", json: "engagements", list: func(p *Person) *[]string { return &p.Engagements }},
	fStartDate:      {csv: "start_date", json: "startDate", str: func(p *Person) *string { return &p.StartDate }},
	fEndDate:        {csv: "end_date", json: "endDate", str: func(p *Person) *string { return &p.EndDate }},
	fTimeZone:       {csv: "time_zone", json: "timeZone", str: func(p *Person) *string { return &p.TimeZone }},
}

// fieldSet is a set of indexes into fields.
type fieldSet uint16

// fieldSet has room for every field: the conversion overflows otherwise.
const _ = uint(16 - len(fields))

// allFields holds every field.
const allFields fieldSet = 1<<len(fields) - 1

// required holds the fields every person must give: a CSV header must have
// their columns, and an upsert never keeps their stored value. start_date
// is among them because every person needs one: without the column each row
// would fail on its own.
const required fieldSet = 1<<fEmployeeID | 1<<fEmail | 1<<fName | 1<<fStartDate

// has reports whether f is in s.
func (s fieldSet) has(f int) bool { return s&(1<<f) != 0 }

// with returns s with f added.
func (s fieldSet) with(f int) fieldSet { return s | 1<<f }

// value returns field f of p as text; lists are joined with ";".
func (f field) value(p *Person) string {
	if f.list != nil {
		return strings.Join(*f.list(p), ";")
	}
	return *f.str(p)
}

// set stores v, already trimmed, as field f of p; lists are split on ";".
func (f field) set(p *Person, v string) {
	if f.list != nil {
		*f.list(p) = splitList(v)
		return
	}
	*f.str(p) = v
}

// copy sets field f of dst to its value in src.
func (f field) copy(dst, src *Person) {
	if f.list != nil {
		*f.list(dst) = *f.list(src)
		return
	}
	*f.str(dst) = *f.str(src)
}

// splitList splits a ";"-separated cell into its trimmed, non-empty items;
// "a; b;" gives [a b]. It returns nil when there are none.
func splitList(s string) []string {
	var items []string
	for item := range strings.SplitSeq(s, ";") {
		if item = strings.TrimSpace(item); item != "" {
			items = append(items, item)
		}
	}
	return items
}

// Lookups from a column or field name to its index in fields: exact CSV
// names (lower-case), exact JSON names, and loose names ("EmployeeID",
// "employee-id") that only produce a hint.
var (
	csvFields   = map[string]int{}
	jsonFields  = map[string]int{}
	looseFields = map[string]int{}
)

func init() {
	for i, f := range fields {
		csvFields[f.csv] = i
		jsonFields[f.json] = i
		looseFields[loose(f.csv)] = i
	}
}

// loose folds a name for "did you mean" hints: lower-case, without "_", "-"
// and spaces.
func loose(name string) string {
	return strings.ToLower(strings.NewReplacer("_", "", "-", "", " ", "").Replace(name))
}

// unknownName returns the warning for an ignored column or field name, with
// a hint when it looks like a known one spelled differently.
func unknownName(what, name string, camelCase bool) string {
	msg := "unknown " + what + ", ignored"
	if f, ok := looseFields[loose(name)]; ok {
		want := fields[f].csv
		if camelCase {
			want = fields[f].json
		}
		msg += " (did you mean " + want + "?)"
	}
	return msg
}

// maxProblems is the most problems, or warnings, returned for one upload,
// the last of them saying how many more there were: a hostile upload must
// cost neither a huge response body nor the memory to build it. It caps
// what PUT /api/roster answers (its 422 body) and a large import's status.
const maxProblems = 1000

// maxFileProblems is the most problems a large import keeps, the last of
// them saying how many more there were; every one is counted. They go to
// the import's problems.json, not into a response, so the bound is memory
// and a file people can still open: a problem holds a row, a field name
// and a message of about 60 bytes, about 150 bytes in memory and 100 in
// the file, so 100,000 take about 15 MB of the import function's 1,769 MB
// and make a 10 MB file. Without a bound, a 100 MB upload of short bad rows
// (",,,\n" is 4 bytes) could hold tens of millions; a file with more than
// 100,000 problems is wrong throughout, and its first ones say how.
const maxFileProblems = 100_000

// problemList collects problems in the order they are found, keeping only
// those that can be returned.
type problemList struct {
	noun  string // what is collected, plural: "problems" or "warnings"
	limit int    // the most returned; maxProblems when 0
	kept  []apperr.Problem
	n     int // how many were added, kept or not
}

// max returns the most problems the list returns.
func (l *problemList) max() int {
	if l.limit > 0 {
		return l.limit
	}
	return maxProblems
}

// add adds ps to the list.
func (l *problemList) add(ps ...apperr.Problem) {
	l.n += len(ps)
	l.kept = append(l.kept, ps[:min(len(ps), l.max()-len(l.kept))]...)
}

// list returns what was added, capped as by capped; nil when nothing was.
func (l *problemList) list() []apperr.Problem { return capped(l.kept, l.n, l.max(), l.noun) }

// capped returns ps, the first of n problems found, as they are returned:
// all of them when n is at most limit, otherwise the first limit-1 and a
// last one saying how many more there were.
func capped(ps []apperr.Problem, n, limit int, noun string) []apperr.Problem {
	if n <= limit {
		return ps
	}
	return append(ps[:limit-1:limit-1],
		apperr.Problem{Message: fmt.Sprintf("%d more %s were not listed", n-(limit-1), noun)})
}
