package synth

import "github.com/attest-oss/attest/shared/roster"

// Stats describe an organisation's shape.
type Stats struct {
	People, Managers        int
	Depth                   int // the deepest level (0: the chief executive alone)
	MaxSpan                 int
	MeanSpan                float64 // direct reports per manager
	Contractors             int
	Subcontractors          int
	Vendors                 int // vendors with staff in the roster
	Engaged                 int // people on at least one customer engagement
	Hires, Leavers          int // starting, leaving during the span
	Reorganised             int // people whose row the re-organisation changed
	Departments, Agreements int
}

// Summarise returns the organisation's shape.
func Summarise(o *Org) Stats {
	s := Stats{People: len(o.Members), Departments: len(o.Departments), Agreements: len(o.Agreements)}
	reports := make(map[string]int, len(o.Members)/5)
	vendors := map[string]bool{}
	for _, m := range o.Members {
		if m.ManagerID != "" {
			reports[m.ManagerID]++
		}
		s.Depth = max(s.Depth, m.Level)
		switch m.EmploymentType {
		case roster.Contractor:
			s.Contractors++
		case roster.Subcontractor:
			s.Subcontractors++
			vendors[m.Vendor] = true
		}
		if len(m.Engagements) > 0 {
			s.Engaged++
		}
		if m.StartDate >= o.First {
			s.Hires++
		}
		if m.EndDate != "" {
			s.Leavers++
		}
		if m.Before != nil {
			s.Reorganised++
		}
	}
	total := 0
	for _, n := range reports {
		s.MaxSpan = max(s.MaxSpan, n)
		total += n
	}
	s.Managers, s.Vendors = len(reports), len(vendors)
	if s.Managers > 0 {
		s.MeanSpan = float64(total) / float64(s.Managers)
	}
	return s
}
