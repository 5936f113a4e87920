package roster

import (
	"errors"
	"io"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/attest-oss/attest/shared/apperr"
)

// fixturePeople is what testdata/roster.csv and testdata/roster.json hold
// once planned: names, departments and vendors exactly as written (trimmed),
// keys normalised.
var fixturePeople = []Person{
	{EmployeeID: "E001", Email: "ada@example.com", Name: "Lovelace, Ada", Roles: []string{"admin", "all-staff"},
		Department: "Engineering", EmploymentType: Employee, Engagements: []string{},
		StartDate: "2024-01-15", TimeZone: "Europe/London"},
	{EmployeeID: "E002", Email: "jose@example.com", Name: "José Müller-Ñúñez", Roles: []string{"all-staff", "engineer"},
		ManagerID: "E001", Department: `R&D, "Core"`, EmploymentType: Contractor, Engagements: []string{"acme", "globex"},
		StartDate: "2024-02-01", TimeZone: "America/Sao_Paulo"},
	{EmployeeID: "E003", Email: "li@example.com", Name: "李小龍", Roles: []string{"all-staff"},
		ManagerID: "E001", Department: "研究開発", EmploymentType: Subcontractor, Vendor: "Kwan & Partners, Ltd.",
		Engagements: []string{"globex"}, StartDate: "2024-03-01", EndDate: "2026-12-31", TimeZone: "Asia/Shanghai"},
	{EmployeeID: "E004", Email: "mallory@example.com", Name: "<script>alert(1)</script>", Roles: []string{"all-staff"},
		ManagerID: "E002", EmploymentType: Employee, Engagements: []string{}, StartDate: "2025-05-05", TimeZone: "UTC"},
}

// TestParseCSVFixture parses a file as spreadsheets save it: UTF-8 byte
// order mark, CRLF, a header in mixed case with spaces, quoted commas,
// quotes and line breaks, accents, CJK, markup and an unknown column.
func TestParseCSVFixture(t *testing.T) {
	f, err := os.Open("testdata/roster.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	u, problems := ParseCSV(f)
	if len(problems) > 0 {
		t.Fatalf("got problems %v, want none", problems)
	}
	// E002's roles cell spans two lines: still one row.
	if want := []int{2, 3, 4, 5}; !slices.Equal(u.Rows, want) || len(u.People) != len(want) {
		t.Errorf("got rows %v (%d people), want %v", u.Rows, len(u.People), want)
	}
	checkProblems(t, u.Warnings, []apperr.Problem{{Row: 1, Field: "notes", Message: "unknown column, ignored"}})
	if got, want := u.People[1].Name, "José Müller-Ñúñez"; got != want {
		t.Errorf("got name %q, want %q (trimmed, otherwise unchanged)", got, want)
	}

	plan, err := PlanImport(u, nil, ModeSync, today, knownRoles)
	if err != nil {
		t.Fatalf("got error %v, want none", err)
	}
	if !reflect.DeepEqual(plan.Created, fixturePeople) {
		t.Errorf("got created\n%q\nwant\n%q", plan.Created, fixturePeople)
	}
	if len(plan.Warnings) > 0 {
		t.Errorf("got warnings %v, want none", plan.Warnings)
	}
}

func TestParseCSVProblems(t *testing.T) {
	const ok = "E9,e9@example.com,Eve,,,,,,,2026-01-05,,"
	tests := []struct {
		name  string
		input string
		want  []apperr.Problem
	}{
		{"ErrBareQuote", csvOf(`E1,a@example.com,Ann "Jr" Smith,,,,,,,2026-01-05,,`, ok),
			[]apperr.Problem{{Row: 2, Message: `malformed CSV on line 2, column 22: a " in a cell that is not quoted`}}},
		{"ErrBareQuoteEveryRow", csvOf(`E1,a@example.com,A "J" S,,,,,,,2026-01-05,,`, ok, `E2,b@example.com,B "J" S,,,,,,,2026-01-05,,`),
			[]apperr.Problem{{Row: 2, Message: "line 2, column 20"}, {Row: 4, Message: "line 4, column 20"}}},
		{"ErrBareQuoteInHeader", `employee_id,"email"x,name` + "\n" + ok,
			[]apperr.Problem{{Row: 1, Message: "malformed CSV on line 1, column 19"}}},
		{"ErrUnclosedQuote", csvOf(ok, `E1,"a@example.com,Ann,,,,,,,2026-01-05,,`, ok),
			[]apperr.Problem{{Row: 3, Message: "is never closed; the rest of the file was not read"}}},
		{"ErrStrayQuoteAfterMultilineCell", csvOf(`E1,a@example.com,Ann,"all-staff;`+"\n"+`engineer"x,,,,,,2026-01-05,,`, ok),
			[]apperr.Problem{{Row: 2, Message: "malformed CSV on line 3, column 9"}}},
		{"ErrWrongColumnCount", csvOf(ok, "E1,a@example.com,Ann", ok+",extra"),
			[]apperr.Problem{
				{Row: 3, Message: "has 3 cells, the header has 12 columns"},
				{Row: 4, Message: "has 13 cells, the header has 12 columns"}}},
		{"ErrEmptyFile", "", []apperr.Problem{{Message: "the file is empty"}}},
		{"ErrEmptyFileWithBOM", "\ufeff\r\n\r\n", []apperr.Problem{{Message: "the file is empty"}}},
		{"ErrHeaderOnly", csvOf(), []apperr.Problem{{Message: "no people in the upload"}}},
		{"ErrOnlyBlankRows", csvOf(",,,,,,,,,,,", " , ,,,,,,,,,,", "   ", ",,"), []apperr.Problem{{Message: "no people in the upload"}}},
		{"ErrMissingRequiredColumns", "employee_id,name,roles\nE1,Ann,all-staff\n",
			[]apperr.Problem{
				{Row: 1, Field: "email", Message: "required column is missing"},
				{Row: 1, Field: "start_date", Message: "required column is missing"}}},
		{"ErrDuplicateColumn", "employee_id,email,name,start_date, EMAIL\nE1,a@example.com,Ann,2026-01-05,b@example.com\n",
			[]apperr.Problem{{Row: 1, Field: "email", Message: "duplicate column (columns 2 and 5)"}}},
		{"ErrInvalidUTF8", csvOf("E1,a@example.com,Jos\xe9,,,,,,,2026-01-05,,", ok),
			[]apperr.Problem{{Row: 2, Field: "name", Message: "is not UTF-8 text"}}},
		{"ErrInvalidUTF8Header", "employee_id,email,name,start_date,not\xe9s\n" + ok[:len("E9,e9@example.com,Eve")] + ",2026-01-05,x\n",
			[]apperr.Problem{{Row: 1, Message: "the header of column 5 is not UTF-8 text"}}},
		{"ErrUTF16", "\xff\xfee\x00m\x00", []apperr.Problem{{Message: "the file is UTF-16 text"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, problems := ParseCSV(strings.NewReader(tt.input))
			checkProblems(t, problems, tt.want)
			if len(u.Rows) != len(u.People) {
				t.Errorf("got %d rows for %d people, want as many", len(u.Rows), len(u.People))
			}
		})
	}
}

func TestParseCSVWarnings(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []apperr.Problem
	}{
		{"OK", csvOf("E1,a@example.com,Ann,,,,,,,2026-01-05,,"), nil},
		{"WarnUnknownColumn", "employee_id,email,name,start_date,Notes\nE1,a@example.com,Ann,2026-01-05,hi\n",
			[]apperr.Problem{{Row: 1, Field: "notes", Message: "unknown column, ignored"}}},
		{"WarnMisspelledColumn", "employee_id,email,name,start_date,Time Zone\nE1,a@example.com,Ann,2026-01-05,UTC\n",
			[]apperr.Problem{{Row: 1, Field: "time zone", Message: "unknown column, ignored (did you mean time_zone?)"}}},
		{"WarnUnnamedColumn", "employee_id,email,name,start_date,\nE1,a@example.com,Ann,2026-01-05,\n",
			[]apperr.Problem{{Row: 1, Message: "column 5 has no header, ignored"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, problems := ParseCSV(strings.NewReader(tt.input))
			if len(problems) > 0 {
				t.Fatalf("got problems %v, want none", problems)
			}
			checkProblems(t, u.Warnings, tt.want)
		})
	}
}

// TestParseCSVRows checks that rows are numbered as a spreadsheet shows
// them, counting blank rows but not empty lines or extra lines of a cell.
func TestParseCSVRows(t *testing.T) {
	input := "employee_id,email,name,start_date\r\n" +
		"E1,a@example.com,Ann,2026-01-05\r\n" +
		",,,\r\n" +
		"E2,b@example.com,\"Bob\r\nBrown\",2026-01-05\r\n" +
		"\r\n" +
		"E3,c@example.com,Cy,2026-01-05\r\n"
	u, problems := ParseCSV(strings.NewReader(input))
	if len(problems) > 0 {
		t.Fatalf("got problems %v, want none", problems)
	}
	if want := []int{2, 4, 5}; !slices.Equal(u.Rows, want) {
		t.Errorf("got rows %v, want %v", u.Rows, want)
	}
	// The line break in E2's name is kept for validation to reject.
	_, err := PlanImport(u, nil, ModeSync, today, nil)
	checkProblems(t, invalidProblems(t, err), []apperr.Problem{{Row: 4, Field: "name", Message: "control characters"}})
}

// TestParseCSVTrims checks that cells, list items and header names are
// trimmed, and empty list items dropped.
func TestParseCSVTrims(t *testing.T) {
	input := " Employee_ID ,EMAIL,  name,roles,start_date\n  E1 , a@example.com ,\t Ann Lee \t,\" all-staff ; ;engineer; \",2026-01-05\n"
	u, problems := ParseCSV(strings.NewReader(input))
	if len(problems) > 0 {
		t.Fatalf("got problems %v, want none", problems)
	}
	want := Person{EmployeeID: "E1", Email: "a@example.com", Name: "Ann Lee", Roles: []string{"all-staff", "engineer"}, StartDate: "2026-01-05"}
	if !reflect.DeepEqual(u.People, []Person{want}) {
		t.Errorf("got %q, want %q", u.People, []Person{want})
	}
}

// TestParseReadError checks that a failing reader is a problem, not a
// partial upload.
func TestParseReadError(t *testing.T) {
	broken := errors.New("connection reset")
	tests := []struct {
		name  string
		parse func(io.Reader) (Upload, []apperr.Problem)
		r     io.Reader
	}{
		{"ErrCSVAtStart", ParseCSV, iotest.ErrReader(broken)},
		{"ErrCSVAfterHeader", ParseCSV, io.MultiReader(strings.NewReader(csvOf("E1,a@example.com,Ann,,,,,,,2026-01-05,,")), iotest.ErrReader(broken))},
		{"ErrJSON", ParseJSON, io.MultiReader(strings.NewReader(`{"people": [`), iotest.ErrReader(broken))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, problems := tt.parse(tt.r)
			if n := len(problems); n == 0 || problems[n-1] != (apperr.Problem{Message: "the upload could not be read: connection reset"}) {
				t.Errorf("got %v, want the read error last", problems)
			}
		})
	}
}
