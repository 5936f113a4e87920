package roster

import (
	"strings"
	"testing"

	"github.com/attest-oss/attest/shared/apperr"
)

// header is the contract's CSV header.
const header = "employee_id,email,name,roles,manager_id,department,employment_type,vendor,engagements,start_date,end_date,time_zone"

// today is the import day of the planning tests.
const today = "2026-06-15"

// csvOf returns a CSV roster: the contract header, then lines.
func csvOf(lines ...string) string {
	return strings.Join(append([]string{header}, lines...), "\n") + "\n"
}

// valid returns a valid person with employee id id.
func valid(id string) Person {
	return Person{EmployeeID: id, Email: strings.ToLower(id) + "@example.com", Name: "Person " + id, StartDate: "2026-01-05"}
}

// stored returns valid(id) as PlanImport would store it.
func stored(id string) Person {
	p := valid(id)
	p.EmploymentType = Employee
	p.TimeZone = "UTC"
	return p
}

// with returns p changed by change.
func with(p Person, change func(*Person)) Person {
	change(&p)
	return p
}

// upload returns an upload of people as rows 2, 3, ... of a CSV file.
func upload(people ...Person) Upload {
	u := Upload{People: people}
	for i := range people {
		u.Rows = append(u.Rows, i+2)
	}
	return u
}

// knownRoles knows the roles of the test curricula.
func knownRoles(role string) bool { return role == "all-staff" || role == "engineer" }

// checkProblems compares problems: rows and fields exactly, and each wanted
// message must be part of the message got.
func checkProblems(t *testing.T, got, want []apperr.Problem) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d problems %v, want %d %v", len(got), got, len(want), want)
	}
	for i := range want {
		g, w := got[i], want[i]
		if g.Row != w.Row || g.Field != w.Field || !strings.Contains(g.Message, w.Message) {
			t.Errorf("problem %d: got %v, want %v", i, g, w)
		}
	}
}

// invalidProblems returns the problems of an Invalid *apperr.Error.
func invalidProblems(t *testing.T, err error) []apperr.Problem {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.Invalid {
		t.Fatalf("got error %v, want an Invalid *apperr.Error", err)
	}
	return e.Problems
}
