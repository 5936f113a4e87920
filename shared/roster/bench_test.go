package roster

import (
	"bytes"
	"fmt"
	"testing"
)

// BenchmarkParseAndPlan10k parses a 10,000-row CSV roster and plans it in
// sync mode against 10,000 stored people: most unchanged, some updated,
// some created, some deactivated.
func BenchmarkParseAndPlan10k(b *testing.B) {
	const n = 10_000
	zones := []string{"UTC", "Europe/Paris", "America/New_York", "Asia/Tokyo"}
	var csvData bytes.Buffer
	csvData.WriteString(header + "\n")
	storedRoster := make([]Person, 0, n)
	for i := range n {
		p := Person{
			EmployeeID: fmt.Sprintf("E%05d", i), Email: fmt.Sprintf("person.%05d@example.com", i),
			Name: fmt.Sprintf("Person Nº %d", i), Roles: []string{"all-staff", "engineer"},
			Department: fmt.Sprintf("Dept %d", i%40), EmploymentType: Employee,
			Engagements: []string{"acme"}, StartDate: "2024-01-15", TimeZone: zones[i%len(zones)],
		}
		if i > 0 {
			p.ManagerID = fmt.Sprintf("E%05d", (i-1)/10)
		}
		if i%7 == 0 {
			p.EmploymentType, p.Vendor = Subcontractor, "Kwan & Partners"
		}
		fmt.Fprintf(&csvData, "%s,%s,%s,all-staff;engineer,%s,%s,%s,%s,acme,%s,,%s\n",
			p.EmployeeID, p.Email, p.Name, p.ManagerID, p.Department, p.EmploymentType, p.Vendor, p.StartDate, p.TimeZone)
		switch {
		case i%50 == 1: // changed since stored
			p.Department = "Old department"
		case i%50 == 2: // new in the upload
			continue
		}
		storedRoster = append(storedRoster, p)
	}
	for i := range n / 100 { // stored, absent from the upload
		storedRoster = append(storedRoster, Person{EmployeeID: fmt.Sprintf("X%05d", i), Email: fmt.Sprintf("x.%05d@example.com", i),
			Name: "Gone", EmploymentType: Employee, StartDate: "2020-01-01", TimeZone: "UTC"})
	}
	data := csvData.Bytes()

	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		u, problems := ParseCSV(bytes.NewReader(data))
		if len(problems) > 0 {
			b.Fatalf("got problems %v", problems[:1])
		}
		plan, err := PlanImport(u, storedRoster, ModeSync, today, knownRoles)
		if err != nil {
			b.Fatal(err)
		}
		if len(plan.Created) != n/50 || len(plan.Updated) != n/50 || len(plan.Deactivated) != n/100 {
			b.Fatalf("got %d created, %d updated, %d deactivated", len(plan.Created), len(plan.Updated), len(plan.Deactivated))
		}
	}
}
