// Package evidencetest checks an evidence bundle as its auditor does, for
// tests: the signature and checksums with the real openssl and sha256sum,
// and every figure of metrics.json recomputed from the CSV files with an
// implementation of the contract's formulas independent of package
// metrics.
package evidencetest

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// run runs a command in dir and returns its combined output and whether
// it succeeded.
func run(t testing.TB, dir, name string, args ...string) (string, bool) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		t.Fatalf("%s is needed: %v", name, err)
	}
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatal(err)
	}
	return string(out), err == nil
}

// Verify runs the auditor's checks: the signature of the manifest, the
// manifest's hash of SHA256SUMS, then every file against SHA256SUMS.
func Verify(t testing.TB, dir, pem string) (sig, link, sums string, sigOK, linkOK, sumsOK bool) {
	t.Helper()
	sig, sigOK = run(t, dir, "openssl", "dgst", "-sha256", "-verify", pem, "-signature", "manifest.json.sig", "manifest.json")
	link, linkOK = run(t, dir, "sh", "-c", `grep -q "\"sha256sums\": \"$(sha256sum SHA256SUMS | cut -c1-64)\"" manifest.json && echo "SHA256SUMS: OK"`)
	sums, sumsOK = run(t, dir, "sha256sum", "-c", "--strict", "SHA256SUMS")
	return
}

// ReadCSV reads a CSV file of the bundle in dir as one map per row, the
// formula-injection apostrophe taken off.
func ReadCSV(t testing.TB, dir, name string) []map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	records, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var out []map[string]string
	for _, r := range records[1:] {
		m := map[string]string{}
		for i, col := range records[0] {
			cell := r[i]
			if len(cell) > 1 && cell[0] == '\'' && strings.ContainsRune("=+-@\t\r", rune(cell[1])) {
				cell = cell[1:]
			}
			m[col] = cell
		}
		out = append(out, m)
	}
	return out
}

type (
	// figs are the contract's four figures of metrics.json with their
	// counts, as the checks read them.
	figs struct {
		CompletionRate *float64       `json:"completionRate"`
		OverdueCount   int            `json:"overdueCount"`
		OnTimeRate     *float64       `json:"onTimeRate"`
		AckRate        *float64       `json:"ackRate"`
		Counts         map[string]int `json:"counts"`
	}
	// Metrics is metrics.json as the checks read it.
	Metrics struct {
		figs
		Quarter   string                     `json:"quarter"`
		AsOf      string                     `json:"asOf"`
		Scope     string                     `json:"scope"`
		Final     bool                       `json:"final"`
		By        map[string]map[string]figs `json:"by"`
		Agreement *struct {
			Key         string `json:"key"`
			People      int    `json:"people"`
			Obligations []struct {
				ID          string   `json:"id"`
				Figure      *float64 `json:"figure"`
				Target      float64  `json:"target"`
				Met         bool     `json:"met"`
				Numerator   int      `json:"numerator"`
				Denominator int      `json:"denominator"`
				Misses      []struct {
					EmployeeID string `json:"employeeId"`
				} `json:"misses"`
			} `json:"obligations"`
		} `json:"agreement"`
	}
)

// recompute computes the contract's figures over the CSV rows of the
// people keep accepts.
func recompute(t testing.TB, s, e time.Time, ppl, asgs, acks []map[string]string, keep func(map[string]string) bool) figs {
	t.Helper()
	in := map[string]bool{}
	f := figs{Counts: map[string]int{}}
	for _, k := range []string{"people", "completed", "onTrack", "overdue", "waived", "dueInPeriod", "completedOnTime", "acksRequired", "acknowledged"} {
		f.Counts[k] = 0
	}
	for _, p := range ppl {
		if keep(p) {
			in[p["employee_id"]] = true
			f.Counts["people"]++
		}
	}
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatalf("timestamp %q: %v", s, err)
		}
		return v
	}
	for _, a := range asgs {
		if !in[a["employee_id"]] {
			continue
		}
		st := a["status_at_end"]
		f.Counts[map[string]string{"completed": "completed", "on_track": "onTrack", "overdue": "overdue", "waived": "waived"}[st]]++
		if st == "waived" {
			continue
		}
		if due := at(a["due_at"]); !due.Before(s) && due.Before(e) {
			f.Counts["dueInPeriod"]++
			if a["completed_at"] != "" && !at(a["completed_at"]).After(due) {
				f.Counts["completedOnTime"]++
			}
		}
	}
	for _, a := range acks {
		if !in[a["employee_id"]] {
			continue
		}
		f.Counts["acksRequired"]++
		if a["acknowledged_at"] != "" && at(a["acknowledged_at"]).Before(e) {
			f.Counts["acknowledged"]++
		}
	}
	c := f.Counts
	f.CompletionRate = ratio(c["completed"], c["completed"]+c["onTrack"]+c["overdue"])
	f.OverdueCount = c["overdue"]
	f.OnTimeRate = ratio(c["completedOnTime"], c["dueInPeriod"])
	f.AckRate = ratio(c["acknowledged"], c["acksRequired"])
	return f
}

// ratio is n/d rounded to 4 decimals, nil when d is 0.
func ratio(n, d int) *float64 {
	if d == 0 {
		return nil
	}
	r := math.Round(float64(n)/float64(d)*1e4) / 1e4
	return &r
}

// sameFigs reports got unless it equals want.
func sameFigs(t testing.TB, what string, got, want figs) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Errorf("%s: metrics.json has\n %s\nthe CSV files give\n %s", what, g, w)
	}
}

// CheckMetrics recomputes every figure of metrics.json in dir (overall,
// by department, employment type and vendor, and an agreement's
// obligations) from the bundle's CSV files and reports each difference;
// it returns metrics.json as read.
func CheckMetrics(t testing.TB, dir string) Metrics {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "metrics.json"))
	if err != nil {
		t.Fatal(err)
	}
	var m Metrics
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	// S and E from the quarter, by the contract.
	y, _ := strconv.Atoi(m.Quarter[:4])
	q, _ := strconv.Atoi(m.Quarter[6:])
	s := time.Date(y, time.Month(3*q-2), 1, 0, 0, 0, 0, time.UTC)
	e := s.AddDate(0, 3, 0)
	if m.AsOf != e.AddDate(0, 0, -1).Format(time.DateOnly) || !m.Final {
		t.Errorf("asOf %s final %v", m.AsOf, m.Final)
	}
	ppl, asgs, acks := ReadCSV(t, dir, "people.csv"), ReadCSV(t, dir, "assignments.csv"), ReadCSV(t, dir, "acknowledgments.csv")
	sameFigs(t, "overall", m.figs, recompute(t, s, e, ppl, asgs, acks, func(map[string]string) bool { return true }))
	for _, dim := range []string{"department", "employment_type", "vendor"} {
		values := map[string]bool{}
		for _, p := range ppl {
			v := p[dim]
			if v == "" {
				v = "(none)"
			}
			values[v] = true
		}
		if len(m.By[dim]) != len(values) {
			t.Errorf("by.%s has %d groups, the CSV %d", dim, len(m.By[dim]), len(values))
		}
		for v := range values {
			sameFigs(t, "by."+dim+"."+v, m.By[dim][v], recompute(t, s, e, ppl, asgs, acks, func(p map[string]string) bool {
				return p[dim] == v || p[dim] == "" && v == "(none)"
			}))
		}
	}
	if m.Scope == "organisation" {
		if m.Agreement != nil {
			t.Errorf("organisation bundle: scope %q, agreement %+v", m.Scope, m.Agreement)
		}
		return m
	}
	if m.Agreement == nil || m.Scope != "agreement:"+m.Agreement.Key || len(m.Agreement.Obligations) == 0 {
		t.Fatalf("agreement bundle: scope %q, agreement %+v", m.Scope, m.Agreement)
	}
	if m.Agreement.People != len(ppl) {
		t.Errorf("agreement covers %d people, people.csv lists %d", m.Agreement.People, len(ppl))
	}
	listed := map[string]bool{}
	for _, p := range ppl {
		listed[p["employee_id"]] = true
	}
	for _, o := range m.Agreement.Obligations {
		// Every decided pair not met is a miss, of someone listed.
		if len(o.Misses) != o.Denominator-o.Numerator {
			t.Errorf("obligation %s: %d misses for %d of %d met", o.ID, len(o.Misses), o.Numerator, o.Denominator)
		}
		for _, miss := range o.Misses {
			if !listed[miss.EmployeeID] {
				t.Errorf("obligation %s: a miss of %s, who is not in people.csv", o.ID, miss.EmployeeID)
			}
		}
		want := ratio(o.Numerator, o.Denominator)
		if want == nil {
			if o.Figure != nil {
				t.Errorf("obligation %s: figure %v of nothing decided", o.ID, *o.Figure)
			}
			continue
		}
		met := float64(o.Numerator)/float64(o.Denominator) >= o.Target
		if o.Figure == nil || *o.Figure != *want || o.Met != met {
			t.Errorf("obligation %s: figure, met = %v, %v, want %v, %v", o.ID, o.Figure, o.Met, *want, met)
		}
	}
	return m
}

// AuditLogVerifier returns the offline verifier of the audit log that the
// README at readme gives auditors: its fenced block tagged
// title="verify-audit-log.py" (Python 3).
func AuditLogVerifier(t testing.TB, readme string) []byte {
	t.Helper()
	text, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := bytes.Cut(text, []byte("```python title=\"verify-audit-log.py\"\n"))
	script, _, closed := bytes.Cut(rest, []byte("\n```\n"))
	if !ok || !closed {
		t.Fatalf("%s has no ```python title=\"verify-audit-log.py\" block", readme)
	}
	return append(script, '\n')
}

// VerifyAuditLog runs the README's verifier (written into dir as
// verify-audit-log.py) with python3 on the log file in dir, with dir's
// public.pem, and returns its exit code and output.
func VerifyAuditLog(t testing.TB, readme, dir, log string) (int, string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "verify-audit-log.py"), AuditLogVerifier(t, readme), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("python3", "verify-audit-log.py", log, "public.pem")
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), string(out)
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0, string(out)
}
