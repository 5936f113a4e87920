package roster

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/attest-oss/attest/shared/apperr"
)

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

// checkUpload checks what must hold of any parse, and plans a clean one.
func checkUpload(t *testing.T, u Upload, problems []apperr.Problem) {
	if len(u.Rows) != len(u.People) {
		t.Fatalf("got %d rows for %d people", len(u.Rows), len(u.People))
	}
	for i := 1; i < len(u.Rows); i++ {
		if u.Rows[i] <= u.Rows[i-1] {
			t.Fatalf("got rows %v, want increasing", u.Rows)
		}
	}
	if len(problems) > 0 {
		return
	}
	for _, mode := range []Mode{ModeSync, ModeUpsert} {
		_, err := PlanImport(u, []Person{stored("E1"), with(stored("E2"), func(p *Person) { p.ManagerID = "E1" })}, mode, today, knownRoles)
		if err != nil && apperr.CodeOf(err) != apperr.Invalid {
			t.Fatalf("got error %v, want nil or Invalid", err)
		}
	}
}

// FuzzParseCSV checks that no input makes parsing or planning panic. Run it
// with go test -fuzz=FuzzParseCSV ./shared/people/.
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
		"employee_id,employee_id,email\nE1,E2,a@example.com\n",
		"employee_id,email,name,start_date\r\nE1,a@example.com,Jos\xe9,2026-01-05\r\n",
	)
	f.Fuzz(func(t *testing.T, b []byte) {
		u, problems := ParseCSV(strings.NewReader(string(b)))
		checkUpload(t, u, problems)
	})
}

// FuzzParseJSON checks that no input makes parsing or planning panic.
func FuzzParseJSON(f *testing.F) {
	addSeeds(f, "*.json",
		"",
		"[]",
		`{"people": null}`,
		`{"people": [1, "a", null, {}]}`,
		`{"people": [{"employeeId": "E1", "roles": [1]}]} x`,
		`{"people": [{"employeeId": "E1", "email": "a@example.com", "name": "Ann", "startDate": "2026-01-05", "managerId": "E1"}]}`,
	)
	f.Fuzz(func(t *testing.T, b []byte) {
		u, problems := ParseJSON(strings.NewReader(string(b)))
		checkUpload(t, u, problems)
	})
}
