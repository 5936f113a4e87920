package evidence

import (
	"encoding/csv"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/attest-oss/attest/shared/metrics"
)

// The header rows of the CSV files (the contract's columns).
var (
	peopleHeader = []string{"employee_id", "name", "email", "roles", "manager_id", "department", "employment_type",
		"vendor", "engagements", "start_date", "end_date", "in_scope"}
	assignmentsHeader = []string{"employee_id", "module_id", "module_version", "cycle", "assigned_at", "due_at",
		"completed_at", "score", "attempts", "status_at_end", "waiver_id"}
	acknowledgmentsHeader = []string{"employee_id", "policy_id", "policy_version", "text_sha256", "cycle",
		"acknowledged_at", "typed_name", "ip", "user_agent"}
)

// listSeparator joins the values of a multi-valued cell (roles,
// engagements), as the roster upload does.
const listSeparator = ";"

// Dimensions the figures are broken down by, in metrics.json's "by".
var dimensions = []string{metrics.ByDepartment, metrics.ByEmploymentType, metrics.ByVendor}

// tables is what the pass over the rows leaves: the counts, the figures'
// builders, and for an agreement's bundle the ids of the people listed.
type tables struct {
	counts Counts
	// builders add the rows up by each of dimensions; each one's
	// top-level figures are the bundle's.
	builders []*metrics.Builder
	report   *metrics.ReportBuilder
	// ids holds the employee ids listed, for an agreement's bundle only
	// (its audit events are those of these people).
	ids map[string]struct{}
	// versions holds, by "module:<id>" and "policy:<id>", the content
	// versions the rows name.
	versions map[string]map[string]bool
}

// saw records that a row names version of item.
func (t *tables) saw(item, version string) {
	if version == "" {
		return
	}
	if t.versions[item] == nil {
		t.versions[item] = map[string]bool{}
	}
	t.versions[item][version] = true
}

// contentVersions returns, by item, the versions the rows name, sorted and
// joined with ", ".
func (t *tables) contentVersions() map[string]string {
	out := make(map[string]string, len(t.versions))
	for item, vs := range t.versions {
		out[item] = strings.Join(slices.Sorted(maps.Keys(vs)), ", ")
	}
	return out
}

// csvFile is one of the CSV files being written.
type csvFile struct {
	f *file
	w *csv.Writer
}

// row writes one record, neutralising every cell against formula
// injection.
func (c csvFile) row(cells ...string) error {
	for i, s := range cells {
		cells[i] = Neutralise(s)
	}
	return c.w.Write(cells)
}

// Neutralise returns a CSV cell that a spreadsheet will not read as a
// formula: a cell beginning with =, +, -, @, a tab or a carriage return is
// prefixed with an apostrophe.
func Neutralise(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// tables writes the three CSV files in one pass over the rows and adds
// the rows up.
func (w *writer) tables(spec Spec, rows Rows) (*tables, error) {
	t := &tables{versions: map[string]map[string]bool{}}
	for _, by := range dimensions {
		t.builders = append(t.builders, metrics.NewBuilder(spec.Period, by, ""))
	}
	if spec.Agreement != nil {
		t.report = metrics.NewReportBuilder(*spec.Agreement, spec.Period)
		t.ids = map[string]struct{}{}
	}
	var files [3]csvFile
	for i, f := range []struct {
		name   string
		header []string
	}{{PeopleFile, peopleHeader}, {AssignmentsFile, assignmentsHeader}, {AcknowledgmentsFile, acknowledgmentsHeader}} {
		out, err := w.create(f.name, "text/csv; charset=utf-8")
		if err != nil {
			return nil, err
		}
		files[i] = csvFile{f: out, w: csv.NewWriter(out)}
		if err := files[i].row(f.header...); err != nil {
			return nil, fmt.Errorf("write %s: %w", f.name, err)
		}
	}
	people, assignments, acks := files[0], files[1], files[2]
	last, seen := "", false
	err := rows(w.ctx, func(r metrics.PersonRows) error {
		id := r.Person.EmployeeID
		if seen && id <= last {
			return fmt.Errorf("%w: %q after %q", errRowOrder, id, last)
		}
		last, seen = id, true
		if spec.Agreement != nil && !r.Person.HasSpan(spec.Agreement.Engagement) {
			return nil
		}
		r = toSeconds(r)
		if err := t.add(r, people, assignments, acks); err != nil {
			return err
		}
		return w.ctx.Err()
	})
	if err != nil {
		return nil, err
	}
	for _, c := range files {
		c.w.Flush()
		if err := c.w.Error(); err != nil {
			return nil, fmt.Errorf("write %s: %w", c.f.name, err)
		}
		if err := w.finish(c.f); err != nil {
			return nil, err
		}
	}
	return t, nil
}

// add writes one person's rows and adds them up.
func (t *tables) add(r metrics.PersonRows, people, assignments, acks csvFile) error {
	p := r.Person
	if err := people.row(p.EmployeeID, p.Name, p.Email, strings.Join(p.Roles, listSeparator), p.ManagerID,
		p.Department, p.EmploymentType, p.Vendor, strings.Join(p.Engagements, listSeparator), p.StartDate, p.EndDate,
		"true"); err != nil {
		return fmt.Errorf("write %s: %w", PeopleFile, err)
	}
	t.counts.People++
	for _, a := range r.Assignments {
		score := ""
		if a.Status == metrics.Completed {
			score = strconv.Itoa(a.Score)
		}
		if err := assignments.row(a.EmployeeID, a.ModuleID, a.ModuleVersion, strconv.Itoa(a.Cycle),
			timestamp(a.AssignedAt), timestamp(a.DueAt), timestamp(a.CompletedAt), score, strconv.Itoa(a.Attempts),
			a.Status, a.WaiverID); err != nil {
			return fmt.Errorf("write %s: %w", AssignmentsFile, err)
		}
		t.counts.Assignments++
		t.saw("module:"+a.ModuleID, a.ModuleVersion)
	}
	for _, a := range r.Acks {
		if excused(a) {
			continue
		}
		if err := acks.row(a.EmployeeID, a.PolicyID, a.PolicyVersion, a.TextSHA256, a.Cycle,
			timestamp(a.AcknowledgedAt), a.TypedName, a.IP, a.UserAgent); err != nil {
			return fmt.Errorf("write %s: %w", AcknowledgmentsFile, err)
		}
		t.counts.Acknowledgments++
		t.saw("policy:"+a.PolicyID, a.PolicyVersion)
	}
	for _, b := range t.builders {
		b.Add(r)
	}
	if t.report != nil {
		t.report.Add(r)
		t.ids[p.EmployeeID] = struct{}{}
	}
	return nil
}

// excused reports whether an acknowledgment row is left out of ackRate,
// and so of acknowledgments.csv: a waiver holds at E and it was not
// acknowledged (docs/METRICS.md).
func excused(a metrics.AckRow) bool { return a.WaiverID != "" && a.AcknowledgedAt.IsZero() }

// toSeconds truncates the instants of a person's rows to the second, as
// the CSV files write them, so that the figures are those of the rows the
// bundle carries.
func toSeconds(r metrics.PersonRows) metrics.PersonRows {
	sec := func(t time.Time) time.Time { return t.Truncate(time.Second) }
	as := make([]metrics.AssignmentRow, len(r.Assignments))
	for i, a := range r.Assignments {
		a.AssignedAt, a.DueAt, a.CompletedAt = sec(a.AssignedAt), sec(a.DueAt), sec(a.CompletedAt)
		as[i] = a
	}
	acks := make([]metrics.AckRow, len(r.Acks))
	for i, a := range r.Acks {
		a.AcknowledgedAt = sec(a.AcknowledgedAt)
		acks[i] = a
	}
	r.Assignments, r.Acks = as, acks
	return r
}
