package roster_test

import (
	"fmt"
	"strings"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/roster"
)

func ExamplePlanImport() {
	body := "employee_id,email,name,roles,manager_id,start_date\n" +
		"E1,ada@example.com,Ada Lovelace,all-staff;Admin,,2024-01-15\n" +
		"E2,alan@example.com,Alan Turing,all-staff;cryptanalyst,E1,2024-02-01\n"
	stored := []roster.Person{{EmployeeID: "E0", Email: "old@example.com", Name: "Old Timer",
		EmploymentType: roster.Employee, StartDate: "2020-01-01", TimeZone: "UTC"}}

	u, problems := roster.ParseCSV(strings.NewReader(body))
	if len(problems) > 0 {
		fmt.Println(problems)
		return
	}
	knownRole := func(role string) bool { return role == "all-staff" }
	plan, err := roster.PlanImport(u, stored, roster.ModeSync, "2026-06-15", knownRole)
	if e, ok := apperr.As(err); ok {
		fmt.Println(e.Problems)
		return
	}
	for _, p := range plan.Created {
		fmt.Println("create", p.EmployeeID, p.Roles)
	}
	for _, c := range plan.Deactivated {
		fmt.Println("deactivate", c.Before.EmployeeID, c.Fields)
	}
	for _, w := range plan.Warnings {
		fmt.Println("warning:", w)
	}
	// Output:
	// create E1 [admin all-staff]
	// create E2 [all-staff cryptanalyst]
	// deactivate E0 [{end_date  2026-06-14}]
	// warning: row 3, roles: unknown role "cryptanalyst" on row 3: no curriculum, ignored for training
}
