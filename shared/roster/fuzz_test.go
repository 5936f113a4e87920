package roster

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/identity"
)

// The roster's parsers take whatever an HRIS export or a hostile client
// sends. Their fuzz targets check, for any input: the shape of the upload
// (one row per person, rows increasing, values trimmed), that every problem
// is located (row within the upload, field named as the format names it)
// and capped, and that a clean upload plans into people who pass every
// validator, survive a round trip through both formats unchanged, and plan
// again into no change at all. `make fuzz` runs each target for a minute.

// addSeeds adds the files of testdata matching pattern and extra to f's
// seed corpus.
func addSeeds(f *testing.F, pattern string, extra ...string) {
	files, err := filepath.Glob(filepath.Join("testdata", pattern))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range extra {
		f.Add([]byte(s))
	}
}

// FuzzParseCSV checks ParseCSV and the planning of what it parses. Run it
// with go test -run '^$' -fuzz '^FuzzParseCSV$' ./shared/roster.
func FuzzParseCSV(f *testing.F) {
	addSeeds(f, "*.csv",
		"",
		"\ufeff",
		"\xff\xfe",
		csvOf(),
		csvOf(`E1,a@example.com,"Ann ""A"" Lee",all-staff,,,,,,2026-01-05,,`),
		csvOf(`E1,a@example.com,Ann "A" Lee,,,,,,,2026-01-05,,`),
		csvOf(`E1,"a@example.com`),
		csvOf("E1,a@example.com,Ann", ",,,,,,,,,,,"),
		csvOf("E1,a@example.com,Ann,,E2,,,,,2026-01-05,,", "E2,b@example.com,Bo,,E1,,,,,2026-02-30,,Local"),
		csvOf("E1,a@example.com,Ann,admin;all-staff,,Ops,subcontractor,Acme,acme;globex,2026-01-05,2026-12-31,Europe/Paris",
			"E2,b@example.com,Bo,,E1,,contractor,,,2026-01-05,,UTC"),
		"employee_id,employee_id,email\nE1,E2,a@example.com\n",
		"employee_id,email,name,start_date\r\nE1,a@example.com,Jos\xe9,2026-01-05\r\n",
		"Employee_ID , EMAIL,name,start_date,notes\nE1,a@example.com,Ann,2026-01-05,x\n",
	)
	if b, err := os.ReadFile("../../content/demo/roster.csv"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		u, problems := ParseCSV(bytes.NewReader(b))
		records := bytes.Count(b, []byte("\n")) + 1 // rows cannot outnumber lines
		checkParsed(t, u, problems, 2, records, csvFieldNames)
		checkUpload(t, u, problems)
	})
}

// FuzzParseJSON checks ParseJSON and the planning of what it parses. Run it
// with go test -run '^$' -fuzz '^FuzzParseJSON$' ./shared/roster.
func FuzzParseJSON(f *testing.F) {
	addSeeds(f, "*.json",
		"",
		"[]",
		`{"people": null}`,
		`{"people": [1, "a", null, {}]}`,
		`{"people": [{"employeeId": "E1", "roles": [1]}]} x`,
		`{"people": [{"employeeId": "E1", "email": "a@example.com", "name": "Ann", "startDate": "2026-01-05", "managerId": "E1"}]}`,
		`{"people": [{"employeeId": "E1", "email": "a@example.com", "name": "Ann", "startDate": "2026-01-05", "roles": ["admin", "All-Staff"], "timeZone": "Asia/Tokyo", "endDate": null},
		  {"employeeId": "E2", "email": "B@example.com", "name": "Bo", "startDate": "2026-01-05", "managerId": "E1", "employmentType": "subcontractor", "vendor": "Acme", "engagements": ["acme"]}], "extra": 1}`,
		`{"people": [{"employeeId": "E1", "employeeId": "E2", "email": "a@example.com", "name": "\u0000", "startDate": "2026-01-05"}]}`,
		"\ufeff{\"people\": [{\"name\": \"\xff\"}]}",
	)
	f.Fuzz(func(t *testing.T, b []byte) {
		u, problems := ParseJSON(bytes.NewReader(b))
		elems := bytes.Count(b, []byte(",")) + 1 // elements are separated by commas
		checkParsed(t, u, problems, 1, elems, jsonFieldNames)
		checkUpload(t, u, problems)
	})
}

// jsonFieldNames holds the names JSON problems may give as their field.
var jsonFieldNames = func() map[string]bool {
	names := map[string]bool{"people": true}
	for _, f := range fields {
		names[f.json] = true
	}
	return names
}()

// csvFieldNames holds the names CSV problems may give as their field.
var csvFieldNames = func() map[string]bool {
	names := make(map[string]bool)
	for _, f := range fields {
		names[f.csv] = true
	}
	return names
}()

// checkParsed checks what must hold of any parse: one row per person, rows
// increasing from firstRow and at most maxRow, values trimmed; problems and
// warnings capped; every problem's row at most maxRow and its field, if
// any, a name of the format.
func checkParsed(t *testing.T, u Upload, problems []apperr.Problem, firstRow, maxRow int, names map[string]bool) {
	t.Helper()
	if len(u.Rows) != len(u.People) {
		t.Fatalf("got %d rows for %d people", len(u.Rows), len(u.People))
	}
	for i, row := range u.Rows {
		if row < firstRow || row > maxRow || i > 0 && row <= u.Rows[i-1] {
			t.Fatalf("got rows %v, want increasing from %d to at most %d", u.Rows, firstRow, maxRow)
		}
	}
	for _, p := range u.People {
		for _, f := range fields {
			if v := f.value(&p); strings.TrimSpace(v) != v && f.list == nil {
				t.Fatalf("got %s %q, want it trimmed", f.csv, v)
			}
		}
		for _, item := range slices.Concat(p.Roles, p.Engagements) {
			if item != strings.TrimSpace(item) || strings.Contains(item, ";") && !u.camelCase {
				t.Fatalf("got list item %q, want it trimmed and split on ;", item)
			}
		}
	}
	if len(problems) > maxProblems || len(u.Warnings) > maxProblems {
		t.Fatalf("got %d problems and %d warnings, want at most %d each", len(problems), len(u.Warnings), maxProblems)
	}
	for _, p := range problems {
		if p.Message == "" || p.Row < 0 || p.Row > maxRow {
			t.Fatalf("got problem %+v, want a message and a row from 0 to %d", p, maxRow)
		}
		if p.Field != "" && !names[p.Field] {
			t.Fatalf("got problem %+v, want its field among the format's names", p)
		}
	}
}

// checkUpload plans a clean upload against a small stored roster in both
// modes, then alone: a plan either succeeds or fails with located problems;
// a successful one holds valid people who survive a round trip through CSV
// and JSON and plan again into no change.
func checkUpload(t *testing.T, u Upload, problems []apperr.Problem) {
	t.Helper()
	if len(problems) > 0 {
		return
	}
	storedRoster := []Person{stored("E1"), with(stored("E2"), func(p *Person) { p.ManagerID = "E1" })}
	for _, mode := range []Mode{ModeSync, ModeUpsert} {
		_, err := PlanImport(u, storedRoster, mode, today, knownRoles)
		checkPlanError(t, u, err)
	}
	plan, err := PlanImport(u, nil, ModeSync, today, knownRoles)
	checkPlanError(t, u, err)
	if err != nil {
		return
	}
	if len(plan.Created) != len(u.People) || len(plan.Updated)+len(plan.Deactivated)+plan.Unchanged > 0 {
		t.Fatalf("got plan %+v of an upload of %d people into an empty roster, want only creations", plan, len(u.People))
	}
	for _, p := range plan.Created {
		checkValid(t, p)
	}
	for _, enc := range []struct {
		name   string
		encode func(*testing.T, []Person) []byte
		parse  func([]byte) (Upload, []apperr.Problem)
	}{
		{"CSV", encodeCSV, func(b []byte) (Upload, []apperr.Problem) { return ParseCSV(bytes.NewReader(b)) }},
		{"JSON", encodeJSON, func(b []byte) (Upload, []apperr.Problem) { return ParseJSON(bytes.NewReader(b)) }},
	} {
		b := enc.encode(t, plan.Created)
		again, problems := enc.parse(b)
		if len(problems) > 0 {
			t.Fatalf("%s round trip: got problems %v parsing\n%s", enc.name, problems, b)
		}
		replanned, err := PlanImport(again, nil, ModeSync, today, knownRoles)
		if err != nil {
			t.Fatalf("%s round trip: got error %v planning\n%s", enc.name, err, b)
		}
		if !slices.EqualFunc(replanned.Created, plan.Created, Person.Equal) {
			t.Fatalf("%s round trip: got\n%+v\nwant\n%+v", enc.name, replanned.Created, plan.Created)
		}
	}
	for _, mode := range []Mode{ModeSync, ModeUpsert} {
		again, err := PlanImport(u, plan.Created, mode, today, knownRoles)
		if err != nil {
			t.Fatalf("%s of the same upload onto its own result: got error %v", mode, err)
		}
		if len(again.Created)+len(again.Updated)+len(again.Deactivated) > 0 || again.Unchanged != len(u.People) {
			t.Fatalf("%s of the same upload onto its own result: got %+v, want no change", mode, again)
		}
	}
}

// checkPlanError checks that PlanImport's error, if any, is Invalid with
// problems sorted by row, each located on one of the upload's rows (or on
// none, or the CSV header) and naming its field as the upload's format does.
func checkPlanError(t *testing.T, u Upload, err error) {
	t.Helper()
	if err == nil {
		return
	}
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.Invalid || len(e.Problems) == 0 {
		t.Fatalf("got error %v, want an Invalid *apperr.Error with problems", err)
	}
	if len(e.Problems) > maxProblems {
		t.Fatalf("got %d problems, want at most %d", len(e.Problems), maxProblems)
	}
	for i, p := range e.Problems {
		if i > 0 && p.Row < e.Problems[i-1].Row {
			t.Fatalf("got problems %v, want them by row", e.Problems)
		}
		if p.Row != 0 && !(p.Row == 1 && !u.camelCase) && !slices.Contains(u.Rows, p.Row) {
			t.Fatalf("got problem %+v, want it on one of the rows %v", p, u.Rows)
		}
		if p.Field != "" && !slices.ContainsFunc(fieldIndexes, func(f int) bool { return p.Field == u.fieldName(f) }) {
			t.Fatalf("got problem %+v, want its field named as the format names fields", p)
		}
	}
}

// fieldIndexes holds the index of every field.
var fieldIndexes = func() []int {
	is := make([]int, len(fields))
	for i := range is {
		is[i] = i
	}
	return is
}()

// checkValid checks that a planned person passes every validator and is
// normalised.
func checkValid(t *testing.T, p Person) {
	t.Helper()
	fail := func(what string) { t.Fatalf("planned person %+v: %s", p, what) }
	if identity.CheckEmployeeID(p.EmployeeID) != nil || identity.CheckEmail(p.Email) != nil {
		fail("invalid employee id or email")
	}
	if p.ManagerID != "" && identity.CheckEmployeeID(p.ManagerID) != nil || p.ManagerID == p.EmployeeID {
		fail("invalid manager id")
	}
	for _, s := range []string{p.Name, p.Department, p.Vendor} {
		if strings.ContainsFunc(s, unicode.IsControl) || !utf8.ValidString(s) {
			fail("control characters or invalid UTF-8 in text")
		}
	}
	if p.Name == "" || utf8.RuneCountInString(p.Name) > maxNameLen || utf8.RuneCountInString(p.Department) > maxTextLen {
		fail("name or department of the wrong length")
	}
	for _, keys := range [][]string{p.Roles, p.Engagements} {
		if !slices.IsSorted(keys) || len(slices.Compact(slices.Clone(keys))) != len(keys) {
			fail("keys not sorted and unique")
		}
		for _, k := range keys {
			if k == "" || len(k) > maxKeyLen || strings.ContainsFunc(k, func(r rune) bool { return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-') }) {
				fail("invalid key " + k)
			}
		}
	}
	if !slices.Contains([]EmploymentType{Employee, Contractor, Subcontractor}, p.EmploymentType) ||
		p.EmploymentType == Subcontractor && p.Vendor == "" {
		fail("invalid employment type or vendor")
	}
	if dateError(p.StartDate) != "" || p.EndDate != "" && (dateError(p.EndDate) != "" || p.EndDate < p.StartDate) {
		fail("invalid dates")
	}
	if _, err := time.LoadLocation(p.TimeZone); err != nil || p.TimeZone == "" || p.TimeZone == "Local" {
		fail("invalid time zone")
	}
}

// encodeCSV writes people as a CSV roster with the contract's header.
func encodeCSV(t *testing.T, people []Person) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	rec := make([]string, len(fields))
	for i, f := range fields {
		rec[i] = f.csv
	}
	_ = w.Write(rec)
	for _, p := range people {
		for i, f := range fields {
			rec[i] = f.value(&p)
		}
		_ = w.Write(rec)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// encodeJSON writes people as a JSON roster.
func encodeJSON(t *testing.T, people []Person) []byte {
	b, err := json.Marshal(map[string][]Person{"people": people})
	if err != nil {
		t.Fatal(err)
	}
	return b
}
