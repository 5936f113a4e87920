package roster

import (
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/attest-oss/attest/shared/apperr"
)

// TestParseJSONFixture parses the JSON twin of testdata/roster.csv: the
// planned people must be the same.
func TestParseJSONFixture(t *testing.T) {
	f, err := os.Open("testdata/roster.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()

	u, problems := ParseJSON(f)
	if len(problems) > 0 {
		t.Fatalf("got problems %v, want none", problems)
	}
	if want := []int{1, 2, 3, 4}; !slices.Equal(u.Rows, want) {
		t.Errorf("got rows %v, want %v", u.Rows, want)
	}
	checkProblems(t, u.Warnings, []apperr.Problem{{Row: 4, Field: "notes", Message: "unknown field, ignored"}})

	plan, err := PlanImport(u, nil, ModeSync, today, knownRoles)
	if err != nil {
		t.Fatalf("got error %v, want none", err)
	}
	if !reflect.DeepEqual(plan.Created, fixturePeople) {
		t.Errorf("got created\n%q\nwant\n%q", plan.Created, fixturePeople)
	}
}

func TestParseJSONProblems(t *testing.T) {
	const ok = `{"employeeId": "E9", "email": "e9@example.com", "name": "Eve", "startDate": "2026-01-05"}`
	tests := []struct {
		name  string
		input string
		want  []apperr.Problem
	}{
		{"ErrSyntax", `{"people": [` + ok + `,]}`,
			[]apperr.Problem{{Message: "invalid JSON at byte 103: invalid character ']'"}}},
		{"ErrTruncated", `{"people": [` + ok,
			[]apperr.Problem{{Message: "invalid JSON: the body ends after byte 101, in the middle of a value"}}},
		{"ErrEmpty", " \n", []apperr.Problem{{Message: "the file is empty"}}},
		{"ErrTopLevelArray", `[` + ok + `]`,
			[]apperr.Problem{{Message: `the body must be a JSON object {"people": [...]}, not an array`}}},
		{"ErrTopLevelString", `"people"`,
			[]apperr.Problem{{Message: "not a string"}}},
		{"ErrPeopleMissing", `{"persons": [` + ok + `]}`,
			[]apperr.Problem{{Field: "people", Message: "is missing"}}},
		{"ErrPeopleNotArray", `{"people": {"E9": ` + ok + `}}`,
			[]apperr.Problem{{Field: "people", Message: "must be an array of people, not an object"}}},
		{"ErrPeopleNull", `{"people": null}`,
			[]apperr.Problem{{Field: "people", Message: "must be an array of people, not null"}}},
		{"ErrNoPeople", `{"people": []}`, []apperr.Problem{{Message: "no people in the upload"}}},
		{"ErrElementNotObject", `{"people": [` + ok + `, "E10", 42]}`,
			[]apperr.Problem{{Row: 2, Message: "must be an object, not a string"}, {Row: 3, Message: "must be an object, not a number"}}},
		{"ErrRolesString", `{"people": [{"employeeId": "E1", "roles": "all-staff;engineer"}]}`,
			[]apperr.Problem{{Row: 1, Field: "roles", Message: "must be an array of strings, not a string"}}},
		{"ErrRolesItemNumber", `{"people": [` + ok + `, {"employeeId": "E1", "roles": ["all-staff", 7]}]}`,
			[]apperr.Problem{{Row: 2, Field: "roles", Message: "item 2 must be a string, not a number"}}},
		{"ErrNameNumber", `{"people": [{"employeeId": "E1", "name": 42}]}`,
			[]apperr.Problem{{Row: 1, Field: "name", Message: "must be a string, not a number"}}},
		{"ErrEveryFieldOfRow", `{"people": [{"employeeId": 1, "email": true, "engagements": {}}]}`,
			[]apperr.Problem{
				{Row: 1, Field: "employeeId", Message: "must be a string, not a number"},
				{Row: 1, Field: "email", Message: "must be a string, not a boolean"},
				{Row: 1, Field: "engagements", Message: "must be an array of strings, not an object"}}},
		{"ErrTrailingData", `{"people": [` + ok + `]} {"people": []}`,
			[]apperr.Problem{{Message: "unexpected data after the JSON object at byte 105"}}},
		{"ErrTrailingGarbage", `{"people": [` + ok + "]}\n garbage",
			[]apperr.Problem{{Message: "unexpected data after the JSON object at byte 106"}}},
		{"ErrInvalidUTF8", `{"people": [{"employeeId": "E1", "name": "Jos` + "\xe9" + `"}]}`,
			[]apperr.Problem{{Row: 1, Field: "name", Message: "is not UTF-8 text"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, problems := ParseJSON(strings.NewReader(tt.input))
			checkProblems(t, problems, tt.want)
			if len(u.Rows) != len(u.People) {
				t.Errorf("got %d rows for %d people, want as many", len(u.Rows), len(u.People))
			}
		})
	}
}

func TestParseJSONWarnings(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []apperr.Problem
	}{
		{"OK", `{"people": [{"employeeId": "E1"}]}`, nil},
		{"WarnUnknownField", `{"people": [{"employeeId": "E1", "shoeSize": 44}]}`,
			[]apperr.Problem{{Row: 1, Field: "shoeSize", Message: "unknown field, ignored"}}},
		{"WarnSnakeCaseField", `{"people": [{"employeeId": "E1", "start_date": "2026-01-05"}]}`,
			[]apperr.Problem{{Row: 1, Field: "start_date", Message: "unknown field, ignored (did you mean startDate?)"}}},
		{"WarnWrongCaseField", `{"people": [{"EmployeeID": "E1"}]}`,
			[]apperr.Problem{{Row: 1, Field: "EmployeeID", Message: "(did you mean employeeId?)"}}},
		{"WarnUnknownTopLevelField", `{"version": 2, "people": [{"employeeId": "E1"}]}`,
			[]apperr.Problem{{Field: "version", Message: "unknown field, ignored"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u, problems := ParseJSON(strings.NewReader(tt.input))
			if len(problems) > 0 {
				t.Fatalf("got problems %v, want none", problems)
			}
			checkProblems(t, u.Warnings, tt.want)
		})
	}
}

// TestParseJSONNulls checks that null reads as empty and values are trimmed.
func TestParseJSONNulls(t *testing.T) {
	input := "\ufeff" + `{"people": [{"employeeId": " E1 ", "email": "a@example.com", "name": "Ann", "roles": null,
		"managerId": null, "engagements": [" acme "], "startDate": "2026-01-05", "endDate": null}]}`
	u, problems := ParseJSON(strings.NewReader(input))
	if len(problems) > 0 {
		t.Fatalf("got problems %v, want none", problems)
	}
	want := Person{EmployeeID: "E1", Email: "a@example.com", Name: "Ann", Engagements: []string{"acme"}, StartDate: "2026-01-05"}
	if !reflect.DeepEqual(u.People, []Person{want}) {
		t.Errorf("got %q, want %q", u.People, []Person{want})
	}
}

// TestParseJSONFieldNames checks that validation problems of a JSON upload
// name fields in camelCase.
func TestParseJSONFieldNames(t *testing.T) {
	input := `{"people": [{"employeeId": "E1", "email": "a@example.com", "name": "Ann", "startDate": "2026-1-5"},
		{"employeeId": "E2", "email": "b@example.com", "name": "Bob", "startDate": "2026-01-05", "managerId": "E7"}]}`
	u, problems := ParseJSON(strings.NewReader(input))
	if len(problems) > 0 {
		t.Fatalf("got problems %v, want none", problems)
	}
	_, err := PlanImport(u, nil, ModeSync, today, nil)
	checkProblems(t, invalidProblems(t, err), []apperr.Problem{
		{Row: 1, Field: "startDate", Message: `"2026-1-5" is not a date in the form YYYY-MM-DD`},
		{Row: 2, Field: "managerId", Message: `unknown manager "E7": no person has this employeeId`},
	})
}
