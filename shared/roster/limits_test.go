package roster

import (
	"fmt"
	"strings"
	"testing"

	"github.com/attest-oss/attest/shared/apperr"
)

// TestProblemsCapped checks that parsing and planning return at most 1,000
// problems or warnings, the last saying how many more there were.
func TestProblemsCapped(t *testing.T) {
	// shortRows returns a CSV roster of n rows with one cell each.
	shortRows := func(n int) string { return csvOf(strings.Split(strings.Repeat("x\n", n), "\n")[:n]...) }
	// jsonRows returns a JSON roster of n copies of elem.
	jsonRows := func(n int, elem string) string {
		return `{"people": [` + strings.TrimSuffix(strings.Repeat(elem+",", n), ",") + `]}`
	}
	// unnamed returns a CSV roster whose header has n unnamed columns.
	unnamed := func(n int) string {
		commas := strings.Repeat(",", n)
		return "employee_id,email,name,start_date" + commas + "\nE1,e1@example.com,Ann,2026-01-05" + commas + "\n"
	}
	parseProblems := func(parse func(string) (Upload, []apperr.Problem)) func(string) []apperr.Problem {
		return func(in string) []apperr.Problem { _, problems := parse(in); return problems }
	}
	parseWarnings := func(parse func(string) (Upload, []apperr.Problem)) func(string) []apperr.Problem {
		return func(in string) []apperr.Problem {
			u, problems := parse(in)
			if len(problems) > 0 {
				t.Fatalf("got problems %v, want none", problems[:1])
			}
			return u.Warnings
		}
	}
	csvParse := func(in string) (Upload, []apperr.Problem) { return ParseCSV(strings.NewReader(in)) }
	jsonParse := func(in string) (Upload, []apperr.Problem) { return ParseJSON(strings.NewReader(in)) }
	// planProblems plans the CSV roster in and returns its problems.
	planProblems := func(in string) []apperr.Problem {
		u, problems := ParseCSV(strings.NewReader(in))
		if len(problems) > 0 {
			t.Fatalf("got problems %v, want none", problems[:1])
		}
		_, err := PlanImport(u, nil, ModeSync, today, knownRoles)
		e, ok := apperr.As(err)
		if !ok || e.Code != apperr.Invalid {
			t.Fatalf("got error %v, want an Invalid *apperr.Error", err)
		}
		if want := countProblems(strings.Count(in, "\n") - 1); e.Message != want {
			t.Errorf("got message %q, want %q: every problem counted", e.Message, want)
		}
		return e.Problems
	}
	// planWarnings plans people with n distinct unknown roles.
	planWarnings := func(n int) []apperr.Problem {
		people := make([]Person, n)
		for i := range people {
			people[i] = with(valid(fmt.Sprintf("E%d", i)), func(p *Person) { p.Roles = []string{fmt.Sprintf("role-%d", i)} })
		}
		plan, err := PlanImport(upload(people...), nil, ModeSync, today, knownRoles)
		if err != nil {
			t.Fatalf("got error %v, want none", err)
		}
		return plan.Warnings
	}
	// noName returns a CSV roster of n people without a name.
	noName := func(n int) string {
		lines := make([]string, n)
		for i := range lines {
			lines[i] = fmt.Sprintf("E%d,e%d@example.com,,,,,,,,2026-01-05,,", i, i)
		}
		return csvOf(lines...)
	}

	tests := []struct {
		name  string
		got   []apperr.Problem
		found int            // problems found, listed or not
		noun  string         // what was found
		last  apperr.Problem // the last one listed
	}{
		{"OKCSVProblemsAtCap", parseProblems(csvParse)(shortRows(1000)), 1000, "problems",
			apperr.Problem{Row: 1001, Message: "has 1 cells"}},
		{"ErrCSVProblemsOverCap", parseProblems(csvParse)(shortRows(1001)), 1001, "problems",
			apperr.Problem{Row: 1000, Message: "has 1 cells"}},
		{"ErrCSVProblemsFarOverCap", parseProblems(csvParse)(shortRows(50_000)), 50_000, "problems",
			apperr.Problem{Row: 1000, Message: "has 1 cells"}},
		{"ErrJSONProblemsOverCap", parseProblems(jsonParse)(jsonRows(1500, "1")), 1500, "problems",
			apperr.Problem{Row: 999, Message: "must be an object, not a number"}},
		{"WarnCSVHeaderOverCap", parseWarnings(csvParse)(unnamed(1500)), 1500, "warnings",
			apperr.Problem{Row: 1, Message: "column 1003 has no header, ignored"}},
		{"WarnJSONFieldsOverCap", parseWarnings(jsonParse)(jsonRows(1500, `{"employeeId": "E1", "notes": ""}`)), 1500, "warnings",
			apperr.Problem{Row: 999, Field: "notes", Message: "unknown field, ignored"}},
		{"ErrPlanProblemsOverCap", planProblems(noName(1500)), 1500, "problems",
			apperr.Problem{Row: 1000, Field: "name", Message: "is required"}},
		{"WarnPlanWarningsOverCap", planWarnings(1500), 1500, "warnings",
			apperr.Problem{Row: 1000, Field: "roles", Message: `unknown role "role-998" on row 1000`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, tail := tt.found, []apperr.Problem{tt.last}
			if tt.found > maxProblems {
				n, tail = maxProblems, append(tail, apperr.Problem{Message: fmt.Sprintf("%d more %s were not listed", tt.found-999, tt.noun)})
			}
			if len(tt.got) != n {
				t.Fatalf("got %d %s, want %d", len(tt.got), tt.noun, n)
			}
			checkProblems(t, tt.got[n-len(tail):], tail)
		})
	}
}

// TestFileProblemsCapped checks that a large import's validation, which
// lists its problems in a file, keeps every problem up to maxFileProblems,
// then the first maxFileProblems-1 and one saying how many more there
// were, while the synchronous cap stays at maxProblems.
func TestFileProblemsCapped(t *testing.T) {
	shortRows := func(n int) string { return csvOf(strings.Split(strings.Repeat("x\n", n), "\n")[:n]...) }
	jsonRows := func(n int) string { return `{"people": [` + strings.TrimSuffix(strings.Repeat("1,", n), ",") + `]}` }
	noName := func(n int) string {
		lines := make([]string, n)
		for i := range lines {
			lines[i] = fmt.Sprintf("E%d,e%d@example.com,,,,,,,,2026-01-05,,", i, i)
		}
		return csvOf(lines...)
	}
	csvProblems := func(in string, limit int) []apperr.Problem {
		_, ps := parseCSV(strings.NewReader(in), limit)
		return ps
	}
	jsonProblems := func(in string, limit int) []apperr.Problem {
		_, ps := parseJSON(strings.NewReader(in), limit)
		return ps
	}
	planProblems := func(in string, limit int) []apperr.Problem {
		u, ps := parseCSV(strings.NewReader(in), limit)
		if len(ps) > 0 {
			t.Fatalf("got problems %v, want none", ps[:1])
		}
		_, err := planImport(u, nil, ModeSync, today, knownRoles, limit)
		e, ok := apperr.As(err)
		if !ok || e.Code != apperr.Invalid {
			t.Fatalf("got error %v, want an Invalid *apperr.Error", err)
		}
		return e.Problems
	}
	tests := []struct {
		name  string
		got   []apperr.Problem
		limit int
		found int
		last  apperr.Problem // the last listed of those found
	}{
		{"CSVAllListed", csvProblems(shortRows(2500), maxFileProblems), maxFileProblems, 2500, apperr.Problem{Row: 2501, Message: "has 1 cells"}},
		{"CSVAtFileCap", csvProblems(shortRows(maxFileProblems), maxFileProblems), maxFileProblems, maxFileProblems, apperr.Problem{Row: maxFileProblems + 1, Message: "has 1 cells"}},
		{"CSVOverFileCap", csvProblems(shortRows(maxFileProblems+5), maxFileProblems), maxFileProblems, maxFileProblems + 5, apperr.Problem{Row: maxFileProblems, Message: "has 1 cells"}},
		{"CSVSyncCapUnchanged", csvProblems(shortRows(2500), maxProblems), maxProblems, 2500, apperr.Problem{Row: 1000, Message: "has 1 cells"}},
		{"JSONAllListed", jsonProblems(jsonRows(2500), maxFileProblems), maxFileProblems, 2500, apperr.Problem{Row: 2500, Message: "must be an object, not a number"}},
		{"PlanAllListed", planProblems(noName(2500), maxFileProblems), maxFileProblems, 2500, apperr.Problem{Row: 2501, Field: "name", Message: "is required"}},
		{"PlanSyncCapUnchanged", planProblems(noName(2500), maxProblems), maxProblems, 2500, apperr.Problem{Row: 1000, Field: "name", Message: "is required"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, tail := tt.found, []apperr.Problem{tt.last}
			if tt.found > tt.limit {
				n, tail = tt.limit, append(tail, apperr.Problem{Message: fmt.Sprintf("%d more problems were not listed", tt.found-(tt.limit-1))})
			}
			if len(tt.got) != n {
				t.Fatalf("got %d problems, want %d", len(tt.got), n)
			}
			checkProblems(t, tt.got[n-len(tail):], tail)
		})
	}
}
