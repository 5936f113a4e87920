package metrics

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/attest-oss/attest/shared/agreement"
)

// Overview is a quarter at a glance, for the admin console's front page:
// the organisation's figures by department and every agreement's report,
// without the people behind the misses (an obligation's misses number
// Denominator − Numerator).
type Overview struct {
	Result Result
	// Reports are the agreements' reports, by agreement key.
	Reports []AgreementReport
}

// Overview returns quarter's overview. A frozen quarter's comes from its
// manifest, which holds both (one read), with the reports of agreements
// created after the freeze computed on the frozen rows under their current
// definition (not Frozen, as Report does); any other quarter's is computed
// live in one pass over the histories for the figures and every report.
// Errors: Invalid for a malformed quarter or one not started.
func (s *Service) Overview(ctx context.Context, quarter string) (Overview, error) {
	p, closed, err := s.period(Query{Quarter: quarter})
	if err != nil {
		return Overview{}, err
	}
	current, err := s.Agreements.Agreements(ctx)
	if err != nil {
		return Overview{}, fmt.Errorf("overview of %s: %w", p.Quarter, err)
	}
	var ov Overview
	if closed {
		m, found, err := s.Snapshots.Snapshot(ctx, p.Quarter)
		if err != nil {
			return Overview{}, fmt.Errorf("overview of %s: %w", p.Quarter, err)
		}
		if found {
			ov.Result = m.Result
			ov.Result.Frozen = true
			for _, f := range m.Agreements {
				rep := f.Report
				rep.Frozen = true
				ov.Reports = append(ov.Reports, rep)
			}
			current = slices.DeleteFunc(current, func(a agreement.Agreement) bool {
				_, frozen := m.frozenAgreement(a.Key)
				return frozen
			})
			if len(current) > 0 {
				builders := reportBuilders(current, p)
				if _, err := s.Snapshots.SnapshotRows(ctx, m, func(r PersonRows) error { addAll(builders, r); return nil }); err != nil {
					return Overview{}, fmt.Errorf("overview of %s: %w", p.Quarter, err)
				}
				ov.Reports = append(ov.Reports, reports(builders)...)
			}
			sortReports(ov.Reports)
			return ov, nil
		}
	}
	org := NewBuilder(p, ByDepartment, "")
	builders := reportBuilders(current, p)
	if _, err := s.live(ctx, p, func(r PersonRows) error { org.Add(r); addAll(builders, r); return nil }); err != nil {
		return Overview{}, fmt.Errorf("overview of %s: %w", p.Quarter, err)
	}
	ov.Result, ov.Reports = org.Result(), reports(builders)
	sortReports(ov.Reports)
	return ov, nil
}

func reportBuilders(list []agreement.Agreement, p Period) []*ReportBuilder {
	out := make([]*ReportBuilder, len(list))
	for i, a := range list {
		out[i] = NewReportBuilder(a, p)
	}
	return out
}

func addAll(builders []*ReportBuilder, r PersonRows) {
	for _, b := range builders {
		b.Add(r)
	}
}

// reports returns the builders' reports without the people behind the
// misses, as a manifest holds them.
func reports(builders []*ReportBuilder) []AgreementReport {
	out := make([]AgreementReport, len(builders))
	for i, b := range builders {
		out[i] = b.Report()
		for j := range out[i].Obligations {
			out[i].Obligations[j].Misses = []Miss{}
		}
	}
	return out
}

func sortReports(rs []AgreementReport) {
	slices.SortFunc(rs, func(a, b AgreementReport) int { return strings.Compare(a.Agreement.Key, b.Agreement.Key) })
}
