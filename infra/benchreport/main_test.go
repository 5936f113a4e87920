package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

const benchOut = `goos: linux
goarch: amd64
pkg: github.com/attest-oss/attest/shared/httpapi
cpu: Intel(R) Xeon(R) Processor
BenchmarkCompletionLatency-2   	       1	5012345678 ns/op	         2.40 c1-p99-ratio	         4.10 c32-p99-ratio
some log line the benchmark printed
PASS
pkg: github.com/attest-oss/attest/shared/roster
BenchmarkImportS3/people-2     	       1	100000 people	  95.5 rows/s	  1 invocations/op
BenchmarkParse 12 not-a-number ns/op
`

const coldOut = `
### Cold start under the Runtime Interface Emulator — 2026-11-30

| function | init ok (both ways) | init median (RIE) | p90 | vs hello | init median (no RIE) | p90 | vs hello | bootstrap (amd64) | gzipped bootstrap (arm64) |
|---|---|---|---|---|---|---|---|---|---|
| hello | 15/15 | 6.7 ms | 7.0 ms | 1.0× | 1.1 ms | 1.3 ms | 1.0× | 5.1 MB | 2.43 MB |
| api | 15/15 | 29.8 ms | 31.0 ms | 4.4× | 12.1 ms | 13.0 ms | 11.0× | 20.1 MB | 8.58 MB |
| bounce | 15/15 | 8.1 ms | 9.0 ms | 1.2× | 1.5 ms | 1.6 ms | 1.4× | 9.1 MB | 4.04 MB |
`

func TestParseBench(t *testing.T) {
	p, err := parseBench(strings.NewReader(benchOut))
	if err != nil {
		t.Fatal(err)
	}
	if p.cpu != "Intel(R) Xeon(R) Processor" {
		t.Errorf("cpu = %q", p.cpu)
	}
	if len(p.results) != 2 {
		t.Fatalf("results = %+v, want 2 (the log line and the malformed one skipped)", p.results)
	}
	tests := []struct {
		i          int
		pkg, name  string
		unit, text string
	}{
		{0, "shared/httpapi", "CompletionLatency", "c32-p99-ratio", "4.10"},
		{1, "shared/roster", "ImportS3/people", "rows/s", "95.5"},
	}
	for _, tt := range tests {
		r := p.results[tt.i]
		m, ok := r.find(tt.unit)
		if r.pkg != tt.pkg || r.name != tt.name || !ok || m.text != tt.text {
			t.Errorf("result %d = %+v, want %s %s %s=%s", tt.i, r, tt.pkg, tt.name, tt.unit, tt.text)
		}
	}
}

func TestParseColdStart(t *testing.T) {
	rs, err := parseColdStart(strings.NewReader(coldOut))
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 {
		t.Fatalf("rows = %d, want 3", len(rs))
	}
	api := rs[1]
	tests := []struct {
		unit string
		want float64
	}{
		{"init-ms(RIE)", 29.8}, {"vs-hello(RIE)", 4.4}, {"init-ms(no-RIE)", 12.1}, {"vs-hello(no-RIE)", 11}, {"gzip-MB(arm64)", 8.58},
	}
	for _, tt := range tests {
		if m, ok := api.find(tt.unit); !ok || m.value != tt.want {
			t.Errorf("api %s = %v (%v), want %v", tt.unit, m.value, ok, tt.want)
		}
	}
	if _, err := parseColdStart(strings.NewReader("no table here\n")); err == nil {
		t.Error("no table: want an error")
	}
}

func TestGoals(t *testing.T) {
	p, _ := parseBench(strings.NewReader(benchOut))
	cold, _ := parseColdStart(strings.NewReader(coldOut))
	rs := append(p.results, cold...)
	tests := []struct {
		label    string
		wantText string
		wantMet  string
	}{
		{"init under", "api 4.4× ✗, bounce 1.2×", "**no**"},
		{"gzipped", "api 8.58 MB ✗, bounce 4.04 MB", "**no**"},
		{"completion POST p99 ≤ 3× bare `PutItem` p99, 1 client", "2.40×", "yes"},
		{"completion POST p99 ≤ 3× bare `PutItem` p99, 32 clients", "4.10×", "**no**"},
		{"roster import", "100000 people in one upload, 95.5 rows/s, 1 invocation(s)", "yes"},
		{"cost", notMeasured, notMeasured},
		{"team view", notMeasured, notMeasured},
	}
	for _, tt := range tests {
		var g *goal
		for i := range goals {
			if strings.HasPrefix(goals[i].label, tt.label) {
				g = &goals[i]
				break
			}
		}
		if g == nil {
			t.Fatalf("no goal %q", tt.label)
		}
		text, met := g.check(rs)
		if text != tt.wantText || met != tt.wantMet {
			t.Errorf("%s: %q, %q; want %q, %q", tt.label, text, met, tt.wantText, tt.wantMet)
		}
	}
}

func TestTeamViewGoal(t *testing.T) {
	const head = "pkg: github.com/attest-oss/attest/shared/team\n"
	tests := []struct {
		name, line        string
		wantText, wantMet string
	}{
		{"met", "BenchmarkTeamView5k-2 1 16517294013 ns/op 5116 people-shown 22592 assignments-shown 28192 items-read 27708 shown 1.017 read/shown 14100 calls",
			"16.5 s per view; 5116 people and 22592 assignments shown, 28192 items read: 1.017×", "yes"},
		{"over 1.2×", "BenchmarkTeamView5k-2 1 9000000000 ns/op 5116 people-shown 22592 assignments-shown 34000 items-read 27708 shown 1.227 read/shown 14100 calls",
			"9.0 s per view; 5116 people and 22592 assignments shown, 34000 items read: 1.227×", "**no**"},
		{"too few people", "BenchmarkTeamView5k-2 1 9000000000 ns/op 4519 people-shown 22988 assignments-shown 27989 items-read 27507 shown 1.018 read/shown 14086 calls",
			"9.0 s per view; 4519 people and 22988 assignments shown, 27989 items read: 1.018× (fewer than 5,000 people)", "**no**"},
		{"before it reported the people", "BenchmarkTeamView5k-2 1 7779899795 ns/op 14086 calls 27989 items-read 1.018 read/shown 27507 shown",
			"7.8 s per view; 27989 items read, 1.018× shown; the people shown not reported (before the benchmark reported them)", notMeasured},
		{"skipped or renamed", "BenchmarkTeamView-2 1 7779899795 ns/op 27989 items-read 27507 shown", notMeasured, notMeasured},
	}
	for _, tt := range tests {
		p, err := parseBench(strings.NewReader(head + tt.line + "\n"))
		if err != nil || len(p.results) != 1 {
			t.Fatalf("%s: %+v %v", tt.name, p.results, err)
		}
		text, met := teamViewGoal(p.results)
		if text != tt.wantText || met != tt.wantMet {
			t.Errorf("%s: %q, %q; want %q, %q", tt.name, text, met, tt.wantText, tt.wantMet)
		}
	}
	var buf bytes.Buffer
	p, _ := parseBench(strings.NewReader(head + tests[0].line + "\n"))
	report(&buf, machine{date: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}, p.results)
	if want := "| team view scope=all, ≥5,000 indirect reports: items read ≤ 1.2× people+assignments shown (issue 9) | " + tests[0].wantText + " | yes |"; !strings.Contains(buf.String(), want) {
		t.Errorf("report lacks %q:\n%s", want, buf.String())
	}
}

func TestSplice(t *testing.T) {
	doc := "# Benchmarks\n\nIntro.\n\n## 2026-11-29 — older\n\nold text\n"
	first := splice([]byte(doc), []byte("## run one\n"))
	want := "# Benchmarks\n\nIntro.\n\n" + beginMarker + "\n## run one\n" + endMarker + "\n\n## 2026-11-29 — older\n\nold text\n"
	if string(first) != want {
		t.Fatalf("first splice:\n%s\nwant:\n%s", first, want)
	}
	second := splice(first, []byte("## run two\n"))
	if got := strings.Replace(want, "run one", "run two", 1); string(second) != got {
		t.Fatalf("second splice:\n%s\nwant:\n%s", second, got)
	}
}

func TestReportHasEveryResult(t *testing.T) {
	p, _ := parseBench(strings.NewReader(benchOut))
	var buf bytes.Buffer
	report(&buf, machine{cpu: p.cpu, commit: "abc1234", date: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC), elapsed: 90 * time.Second}, p.results)
	out := buf.String()
	for _, want := range []string{"## 2026-11-30 — `make bench`, commit abc1234", "took 1m30s", "| shared/httpapi | CompletionLatency | 1 | 5012345678 ns/op, 2.40 c1-p99-ratio, 4.10 c32-p99-ratio |", "| shared/roster | ImportS3/people | 1 |"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}
