package evidence_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/agreement"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/evidence"
	"github.com/attest-oss/attest/shared/evidence/evidencetest"
	"github.com/attest-oss/attest/shared/metrics"
	"github.com/attest-oss/attest/shared/signing"
)

func utc(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func q3(t *testing.T) metrics.Period {
	t.Helper()
	p, err := metrics.QuarterPeriod("2026-Q3")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// acme covers engagement acme with a training and an acknowledgment
// clause.
func acme() *agreement.Agreement {
	return &agreement.Agreement{Key: "acme-msa", Customer: "Acme Corp", Engagement: "acme", StartDate: "2026-01-01",
		Obligations: []agreement.Obligation{
			{ID: "4.1", Text: "Security training within 30 days", Kind: agreement.KindTraining, Items: []string{"module:security"}, WithinDays: 30, Target: 0.9},
			{ID: "4.2", Text: "Acceptable use acknowledged within 14 days", Kind: agreement.KindAcknowledgment, Items: []string{"policy:aup"}, WithinDays: 14, Target: 0.5},
		}}
}

// people returns the synthetic organisation of 2026-Q3, in employee-id
// order.
func people(t *testing.T) []metrics.PersonRows {
	t.Helper()
	asg := func(id, module, assigned, due, done, status, waiverID string, attempts int) metrics.AssignmentRow {
		a := metrics.AssignmentRow{EmployeeID: id, ModuleID: module, ModuleVersion: "1.2.0", Cycle: 2, Reason: "renewal",
			AssignedOn: assigned[:10], AssignedAt: utc(t, assigned), DueAt: utc(t, due), Status: status, WaiverID: waiverID, Attempts: attempts}
		if done != "" {
			a.CompletedAt, a.Score = utc(t, done), 90
		}
		return a
	}
	ack := func(id, policy, at, waiverID, typed, agent string) metrics.AckRow {
		a := metrics.AckRow{EmployeeID: id, PolicyID: policy, PolicyVersion: "2.0.0", TextSHA256: strings.Repeat("ab", 32),
			Cycle: "2026-v2", WaiverID: waiverID}
		if at != "" {
			a.AcknowledgedAt, a.TypedName, a.IP, a.UserAgent = utc(t, at), typed, "192.0.2.7", agent
		}
		return a
	}
	span := func(eng, joined, left string) metrics.Span {
		s := metrics.Span{Engagement: eng, JoinedOn: joined}
		if left != "" {
			s.LeftAt = utc(t, left)
		}
		return s
	}
	person := func(id, name, dept, typ, vendor string, spans ...metrics.Span) metrics.PersonRow {
		p := metrics.PersonRow{EmployeeID: id, Name: name, Email: strings.ToLower(id) + "@example.com", Roles: []string{"all-staff"},
			Department: dept, EmploymentType: typ, Vendor: vendor, StartDate: "2024-01-15", TimeZone: "UTC", Spans: spans}
		for _, s := range spans {
			if s.LeftAt.IsZero() {
				p.Engagements = append(p.Engagements, s.Engagement)
			}
		}
		return p
	}
	leaver := person("A05", "Lee Leaver", "Engineering", "employee", "", span("acme", "2024-01-15", "2026-08-16T00:00:00Z"))
	leaver.EndDate = "2026-08-15"
	return []metrics.PersonRows{
		// On time, on track, acknowledged.
		{Person: person("A01", "Ana Alvarez", "Engineering", "employee", "", span("acme", "2025-03-01", "")),
			Assignments: []metrics.AssignmentRow{
				asg("A01", "privacy", "2026-09-01T00:00:00Z", "2026-10-16T00:00:00Z", "", metrics.OnTrack, "", 0),
				asg("A01", "security", "2026-07-01T00:00:00Z", "2026-08-01T00:00:00Z", "2026-07-11T10:00:00Z", metrics.Completed, "", 1)},
			Acks: []metrics.AckRow{ack("A01", "aup", "2026-07-02T08:00:00Z", "", "Ana Alvarez", "Mozilla/5.0")}},
		// A formula for a name, completed late, overdue, not acknowledged.
		{Person: person("A02", "=HYPERLINK(\"http://evil\")", "+Sales", "employee", ""),
			Assignments: []metrics.AssignmentRow{
				asg("A02", "privacy", "2026-08-03T00:00:00Z", "2026-09-03T00:00:00Z", "", metrics.Overdue, "", 2),
				asg("A02", "security", "2026-08-03T00:00:00Z", "2026-09-03T00:00:00Z", "2026-09-10T09:00:00Z", metrics.Completed, "", 3)},
			Acks: []metrics.AckRow{ack("A02", "aup", "", "", "", "")}},
		// A comma and quotes; waived training, completed at the due
		// instant; a waived unacknowledged policy (left out) and an
		// acknowledged one under a waiver (kept).
		{Person: person("A03", `Cho, "Charlie"`, "-Ops", "contractor", "", span("globex", "2025-01-01", "")),
			Assignments: []metrics.AssignmentRow{
				asg("A03", "privacy", "2026-06-20T07:00:00Z", "2026-07-21T07:00:00Z", "2026-07-21T07:00:00Z", metrics.Completed, "", 1),
				asg("A03", "security", "2026-09-01T07:00:00Z", "2026-10-01T07:00:00Z", "", metrics.Waived, "wvr_1", 0)},
			Acks: []metrics.AckRow{ack("A03", "aup", "", "wvr_2", "", ""), ack("A03", "isms", "2026-08-01T00:00:00Z", "wvr_3", "Cho", "curl/8")}},
		// A subcontractor of a vendor on two engagements; overdue since
		// before the quarter; a tab in the user agent.
		{Person: person("A04", "@dev", "Sales", "subcontractor", "Northwind", span("acme", "2025-03-01", ""), span("globex", "2025-03-01", "")),
			Assignments: []metrics.AssignmentRow{
				asg("A04", "privacy", "2026-08-31T12:00:00Z", "2026-09-30T11:00:00Z", "2026-09-30T11:30:00Z", metrics.Completed, "", 1),
				asg("A04", "security", "2026-04-30T12:00:00Z", "2026-05-31T12:00:00Z", "", metrics.Overdue, "", 0)},
			Acks: []metrics.AckRow{ack("A04", "aup", "2026-01-05T10:00:00Z", "", "\rDev", "\tcurl")}},
		// A leaver, off acme when they left.
		{Person: leaver,
			Assignments: []metrics.AssignmentRow{asg("A05", "security", "2026-07-01T00:00:00Z", "2026-07-31T00:00:00Z", "", metrics.Overdue, "", 0)},
			Acks:        []metrics.AckRow{ack("A05", "aup", "2026-07-20T00:00:00Z", "", "Lee", "x")}},
		// Two engagements in the quarter: left acme, then on globex; no
		// department.
		{Person: person("A06", "Mo Two-Stints", "", "contractor", "", span("acme", "2025-01-01", "2026-07-15T00:00:00Z"), span("globex", "2026-07-15", "")),
			Assignments: []metrics.AssignmentRow{asg("A06", "security", "2026-07-01T00:00:00Z", "2026-07-31T00:00:00Z", "2026-07-30T23:59:59Z", metrics.Completed, "", 1)},
			Acks:        []metrics.AckRow{ack("A06", "aup", "", "", "", "")}},
		// Never on acme.
		{Person: person("A07", "Out Side", "Engineering", "employee", "", span("globex", "2025-01-01", "")),
			Assignments: []metrics.AssignmentRow{asg("A07", "security", "2026-07-01T00:00:00Z", "2026-07-31T00:00:00Z", "", metrics.Overdue, "", 0)},
			Acks:        []metrics.AckRow{ack("A07", "aup", "2026-07-03T00:00:00Z", "", "Out", "y")}},
	}
}

func rowsOf(all []metrics.PersonRows) evidence.Rows {
	return func(_ context.Context, fn func(metrics.PersonRows) error) error {
		for _, r := range all {
			if err := fn(r); err != nil {
				return err
			}
		}
		return nil
	}
}

// events are the quarter's audit events the fake audit log writes.
var events = []audit.Event{
	{ID: "e1", Action: "policy.acknowledged", Subject: "person#A01"},
	{ID: "e2", Action: "module.completed", Subject: "person#A07"},
	{ID: "e3", Action: "agreement.saved", Subject: "agreement#acme-msa"},
	{ID: "e4", Action: "agreement.saved", Subject: "agreement#other"},
	{ID: "e5", Action: "team.read", Subject: "organisation"},
}

// fakeLog writes one line per event: the event's id in full, or
// redacted; it is deterministic like the real one.
func fakeLog(_ context.Context, w io.Writer, inScope func(audit.Event) bool) (evidence.LogCounts, error) {
	c := evidence.LogCounts{Days: 1}
	for _, e := range events {
		c.Events++
		line := `{"redacted":"` + e.ID + `"}`
		if inScope(e) {
			c.InScope++
			line = `{"id":"` + e.ID + `","subject":"` + e.Subject + `"}`
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return c, err
		}
	}
	return c, nil
}

// build writes a bundle into a new directory and returns it.
func build(t *testing.T, spec evidence.Spec, all []metrics.PersonRows, signer signing.Signer) (string, evidence.Manifest) {
	t.Helper()
	dir := t.TempDir()
	m, err := evidence.Write(context.Background(), spec, rowsOf(all), fakeLog, evidence.DirSink(dir), signer)
	if err != nil {
		t.Fatal(err)
	}
	return dir, m
}

func specs(t *testing.T) map[string]evidence.Spec {
	return map[string]evidence.Spec{
		"Organisation": {Period: q3(t), Final: true, GeneratedAt: time.Date(2026, 10, 1, 3, 0, 0, 0, time.UTC), Snapshot: "RUN1"},
		"Agreement":    {Period: q3(t), Final: true, Agreement: acme(), GeneratedAt: time.Date(2026, 10, 1, 3, 0, 0, 0, time.UTC), Snapshot: "RUN1"},
	}
}

func newSigner(t *testing.T) (*signing.Local, string) {
	t.Helper()
	s, err := signing.NewLocal()
	if err != nil {
		t.Fatal(err)
	}
	pem, err := s.PublicKeyPEM(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "public.pem")
	if err := os.WriteFile(path, pem, 0o600); err != nil {
		t.Fatal(err)
	}
	return s, path
}

func TestBundleVerifiesAndTamperingIsNamed(t *testing.T) {
	signer, pem := newSigner(t)
	for name, spec := range specs(t) {
		t.Run(name, func(t *testing.T) {
			dir, m := build(t, spec, people(t), signer)
			if sig, link, sums, sigOK, linkOK, sumsOK := evidencetest.Verify(t, dir, pem); !sigOK || !linkOK || !sumsOK {
				t.Fatalf("untouched bundle does not verify:\n%s\n%s\n%s", sig, link, sums)
			}
			names := []string{"SHA256SUMS", "acknowledgments.csv", "assignments.csv", "audit-log.jsonl", "manifest.json",
				"manifest.json.sig", "metrics.json", "people.csv", "summary.html", "summary.pdf"}
			entries, err := os.ReadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range entries {
				got = append(got, e.Name())
			}
			if !slices.Equal(got, names) {
				t.Fatalf("files %v, want %v", got, names)
			}
			if len(m.Written) != len(names) || len(m.Files) != len(names)-2 {
				t.Errorf("manifest lists %d files and %d written, want %d and %d", len(m.Files), len(m.Written), len(names)-2, len(names))
			}
			for _, n := range names {
				path := filepath.Join(dir, n)
				orig, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				bad := bytes.Clone(orig)
				bad[len(bad)/2] ^= 0x01
				if err := os.WriteFile(path, bad, 0o600); err != nil {
					t.Fatal(err)
				}
				sig, link, sums, sigOK, linkOK, sumsOK := evidencetest.Verify(t, dir, pem)
				switch n {
				case "manifest.json", "manifest.json.sig":
					if sigOK || !strings.Contains(sig, "Verification failure") && n == "manifest.json" {
						t.Errorf("%s changed: openssl says %q", n, sig)
					}
				case "SHA256SUMS":
					if linkOK {
						t.Errorf("%s changed: the manifest's hash of it still matches", n)
					}
				default:
					if sumsOK || !strings.Contains(sums, n+": FAILED") {
						t.Errorf("%s changed: sha256sum -c says %q", n, sums)
					}
					if !sigOK || !linkOK {
						t.Errorf("%s changed: the manifest checks fail too: %s %s", n, sig, link)
					}
				}
				if err := os.WriteFile(path, orig, 0o600); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

func TestClosedQuarterIsReproducible(t *testing.T) {
	signer, _ := newSigner(t)
	for name, spec := range specs(t) {
		t.Run(name, func(t *testing.T) {
			first, m1 := build(t, spec, people(t), signer)
			spec.GeneratedAt = spec.GeneratedAt.Add(26 * time.Hour)
			second, m2 := build(t, spec, people(t), signer)
			for _, f := range m1.Written {
				a, _ := os.ReadFile(filepath.Join(first, f.Name))
				b, _ := os.ReadFile(filepath.Join(second, f.Name))
				switch f.Name {
				case "manifest.json":
					strip := func(b []byte) string {
						var lines []string
						for l := range strings.Lines(string(b)) {
							if !strings.Contains(l, `"generated_at"`) {
								lines = append(lines, l)
							}
						}
						return strings.Join(lines, "")
					}
					if bytes.Equal(a, b) || strip(a) != strip(b) {
						t.Errorf("manifest.json differs in more (or less) than generated_at:\n%s\n%s", a, b)
					}
				case "manifest.json.sig":
				default:
					if !bytes.Equal(a, b) {
						t.Errorf("%s differs between two builds", f.Name)
					}
				}
			}
			if m1.GeneratedAt == m2.GeneratedAt || m1.SHA256SUMS != m2.SHA256SUMS {
				t.Errorf("manifests %+v %+v", m1, m2)
			}
		})
	}
}

// readCSV reads a bundle's CSV file as maps from column to cell, the
// cells' formula neutralising undone.
func TestEveryFigureRecomputesFromTheCSVFiles(t *testing.T) {
	signer, _ := newSigner(t)
	for name, spec := range specs(t) {
		t.Run(name, func(t *testing.T) {
			dir, _ := build(t, spec, people(t), signer)
			m := evidencetest.CheckMetrics(t, dir)
			if m.Counts["people"] == 0 || m.Counts["overdue"] == 0 || m.Counts["dueInPeriod"] == 0 || spec.Agreement == nil && m.Counts["waived"] == 0 {
				t.Errorf("the test organisation is too thin: %v", m.Counts)
			}
			if spec.Agreement != nil && (m.Scope != "agreement:acme-msa" || len(m.Agreement.Obligations) != 2) {
				t.Errorf("agreement bundle: scope %q, agreement %+v", m.Scope, m.Agreement)
			}
			if spec.Agreement != nil {
				for _, o := range m.Agreement.Obligations {
					if o.Denominator == 0 {
						t.Errorf("obligation %s decided nothing: the test proves nothing", o.ID)
					}
				}
			}
		})
	}
}

func TestAgreementBundleListsOnlyItsEngagement(t *testing.T) {
	signer, _ := newSigner(t)
	spec := specs(t)["Agreement"]
	dir, m := build(t, spec, people(t), signer)
	want := []string{"A01", "A04", "A05", "A06"} // A05 left, A06 left acme in the quarter
	var ids []string
	for _, p := range evidencetest.ReadCSV(t, dir, "people.csv") {
		ids = append(ids, p["employee_id"])
		if p["in_scope"] != "true" {
			t.Errorf("%s: in_scope %q", p["employee_id"], p["in_scope"])
		}
	}
	if !slices.Equal(ids, want) {
		t.Errorf("people.csv lists %v, want %v", ids, want)
	}
	for _, f := range []string{"assignments.csv", "acknowledgments.csv"} {
		for _, r := range evidencetest.ReadCSV(t, dir, f) {
			if !slices.Contains(want, r["employee_id"]) {
				t.Errorf("%s lists %s, not on acme", f, r["employee_id"])
			}
		}
	}
	log, err := os.ReadFile(filepath.Join(dir, "audit-log.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	wantLog := `{"id":"e1","subject":"person#A01"}
{"redacted":"e2"}
{"id":"e3","subject":"agreement#acme-msa"}
{"redacted":"e4"}
{"redacted":"e5"}
`
	if string(log) != wantLog {
		t.Errorf("audit log:\n%s\nwant\n%s", log, wantLog)
	}
	if m.Counts != (evidence.Counts{People: 4, Assignments: 6, Acknowledgments: 4, AuditEvents: 2}) || m.Scope != "agreement:acme-msa" ||
		m.Agreement == nil || m.Agreement.Engagement != "acme" {
		t.Errorf("manifest %+v", m)
	}
}

func TestCSVCellsAreNeutralisedAndQuoted(t *testing.T) {
	signer, _ := newSigner(t)
	dir, m := build(t, specs(t)["Organisation"], people(t), signer)
	if m.Counts != (evidence.Counts{People: 7, Assignments: 11, Acknowledgments: 7, AuditEvents: 5}) {
		t.Errorf("counts %+v", m.Counts)
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	ppl, acks := read("people.csv"), read("acknowledgments.csv")
	for _, c := range []struct{ file, text, want string }{
		{ppl, "header", "employee_id,name,email,roles,manager_id,department,employment_type,vendor,engagements,start_date,end_date,in_scope\n"},
		{ppl, "formula name", `A02,"'=HYPERLINK(""http://evil"")",a02@example.com,all-staff,,'+Sales,employee,,,2024-01-15,,true` + "\n"},
		{ppl, "comma and quotes", `A03,"Cho, ""Charlie""",a03@example.com,all-staff,,'-Ops,contractor,,globex,2024-01-15,,true` + "\n"},
		{ppl, "at sign, two engagements", "A04,'@dev,a04@example.com,all-staff,,Sales,subcontractor,Northwind,acme;globex,2024-01-15,,true\n"},
		{ppl, "leaver", "A05,Lee Leaver,a05@example.com,all-staff,,Engineering,employee,,,2024-01-15,2026-08-15,true\n"},
		{acks, "carriage return and tab", "A04,aup,2.0.0," + strings.Repeat("ab", 32) + ",2026-v2,2026-01-05T10:00:00Z,\"'\rDev\",192.0.2.7,'\tcurl\n"},
		{acks, "unacknowledged", "A02,aup,2.0.0," + strings.Repeat("ab", 32) + ",2026-v2,,,,\n"},
		{read("assignments.csv"), "assignment", "A01,security,1.2.0,2,2026-07-01T00:00:00Z,2026-08-01T00:00:00Z,2026-07-11T10:00:00Z,90,1,completed,\n"},
		{read("assignments.csv"), "waived", "A03,security,1.2.0,2,2026-09-01T07:00:00Z,2026-10-01T07:00:00Z,,,0,waived,wvr_1\n"},
	} {
		if !strings.Contains(c.file, c.want) {
			t.Errorf("%s: no line %q", c.text, c.want)
		}
	}
	if strings.Contains(acks, "A03,aup") || !strings.Contains(acks, "A03,isms") {
		t.Errorf("acknowledgments.csv: want the waived unacknowledged row left out and the acknowledged one kept:\n%s", acks)
	}
}

func TestNeutralise(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "Ana": "Ana", "=1+2": "'=1+2", "+1": "'+1", "-1": "'-1", "@SUM(A1)": "'@SUM(A1)",
		"\tx": "'\tx", "\rx": "'\rx", "a=b": "a=b", " =x": " =x", "'=x": "'=x",
	} {
		if got := evidence.Neutralise(in); got != want {
			t.Errorf("Neutralise(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFailureLeavesNothing(t *testing.T) {
	signer, _ := newSigner(t)
	all := people(t)
	for name, rows := range map[string]evidence.Rows{
		"RowsFail": func(ctx context.Context, fn func(metrics.PersonRows) error) error {
			if err := fn(all[0]); err != nil {
				return err
			}
			return errors.New("read failed")
		},
		"OutOfOrder": rowsOf([]metrics.PersonRows{all[1], all[0]}),
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			_, err := evidence.Write(context.Background(), specs(t)["Organisation"], rows, fakeLog, evidence.DirSink(dir), signer)
			if err == nil {
				t.Fatal("no error")
			}
			if entries, _ := os.ReadDir(dir); len(entries) != 0 {
				t.Errorf("left %v after %v", entries, err)
			}
		})
	}
}

func TestPreviewSaysSo(t *testing.T) {
	signer, _ := newSigner(t)
	p := q3(t)
	p.AsOf, p.End = "2026-08-20", time.Date(2026, 8, 20, 14, 30, 5, 0, time.UTC)
	dir, m := build(t, evidence.Spec{Period: p, GeneratedAt: p.End}, people(t), signer)
	if m.Final || m.End != "2026-08-20T14:30:05Z" || m.Snapshot != "" {
		t.Errorf("manifest %+v", m)
	}
	html, _ := os.ReadFile(filepath.Join(dir, "summary.html"))
	if !bytes.Contains(html, []byte("Preview, not final")) || bytes.Contains(html, []byte("Final: built")) {
		t.Error("summary.html does not say it is a preview")
	}
}

func TestSummaryIsSelfContained(t *testing.T) {
	signer, _ := newSigner(t)
	dir, _ := build(t, specs(t)["Agreement"], people(t), signer)
	html, err := os.ReadFile(filepath.Join(dir, "summary.html"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(html)
	for _, want := range []string{"Final: built from the quarter's frozen snapshot (RUN1)", "@media print", "<svg", "Acme Corp",
		"4.1", "Missed", "Met", "By department", "By vendor", "Northwind", "sha256sum -c SHA256SUMS",
		"openssl dgst -sha256 -verify public.pem -signature manifest.json.sig manifest.json", "SHA256SUMS: OK", "Training completed"} {
		if !strings.Contains(s, want) {
			t.Errorf("summary.html lacks %q", want)
		}
	}
	for _, bad := range []string{"src=", "href=", "@import", "url("} {
		if strings.Contains(s, bad) {
			t.Errorf("summary.html refers outside itself: %q", bad)
		}
	}
	pdf, err := os.ReadFile(filepath.Join(dir, "summary.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(pdf, []byte("%PDF-")) || !bytes.Contains(pdf, []byte("/CreationDate (D:20261001000000)")) {
		t.Errorf("summary.pdf: not a PDF dated E")
	}
}
