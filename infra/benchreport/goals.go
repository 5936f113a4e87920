package main

import (
	"fmt"
	"strings"
)

// A goal is one figure the issues set, checked against a run's results.
// check returns what the run measured, in words, and "yes", "**no**" or
// "not measured" (a benchmark skipped or renamed must show, not pass).
type goal struct {
	label string
	check func([]result) (string, string)
}

const notMeasured = "not measured"

func verdict(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

// goals are the figures of issue 12's table and the earlier issues' goals
// that a run of `make bench` measures.
var goals = []goal{
	{"init under the Runtime Interface Emulator ≤ 1.3× hello-world, every function (issue 12)", perFunction("vs-hello(RIE)", "×", func(v float64) bool { return v <= 1.3 })},
	{"gzipped arm64 `bootstrap` ≤ 6 MB, every function (issue 12)", perFunction("gzip-MB(arm64)", " MB", func(v float64) bool { return v <= 6 })},
	{"completion POST p99 ≤ 3× bare `PutItem` p99, 1 client (issue 12)", atMost("CompletionLatency", "c1-p99-ratio", "×", 3)},
	{"completion POST p99 ≤ 3× bare `PutItem` p99, 32 clients (issue 12)", atMost("CompletionLatency", "c32-p99-ratio", "×", 3)},
	{"roster import: 100,000 people in one upload (issue 12)", importGoal},
	{"load: 10,000 completions from 64 clients, none lost or duplicated (issue 12)", loadGoal},
	{"cost ≤ $0.50 per 1,000 people per month, 100,000 people (issue 12)", costGoal},
	{"team view scope=all, ≥5,000 indirect reports: items read ≤ 1.2× people+assignments shown (issue 9)", teamViewGoal},
	{"evidence bundle: bare read ÷ bundle ≥ 0.7 (issue 11)", atLeast("Export/Bundle", "bare/bundle", "", 0.7)},
	{"evidence bundle: peak heap ≤ 128 MB (issue 11)", atMost("Export/Bundle", "peak-heap-MB", " MB", 128)},
	{"demo year seeded in < 60 s on two cores (issue 9)", below("DemoYear", "wall-s", " s", 60)},
}

// first returns the first result whose name starts with prefix and that
// reports unit.
func first(rs []result, prefix, unit string) (result, metric, bool) {
	for _, r := range rs {
		if strings.HasPrefix(r.name, prefix) {
			if m, ok := r.find(unit); ok {
				return r, m, true
			}
		}
	}
	return result{}, metric{}, false
}

func atMost(prefix, unit, suffix string, limit float64) func([]result) (string, string) {
	return func(rs []result) (string, string) {
		_, m, ok := first(rs, prefix, unit)
		if !ok {
			return notMeasured, notMeasured
		}
		return m.text + suffix, verdict(m.value <= limit)
	}
}

func atLeast(prefix, unit, suffix string, limit float64) func([]result) (string, string) {
	return func(rs []result) (string, string) {
		_, m, ok := first(rs, prefix, unit)
		if !ok {
			return notMeasured, notMeasured
		}
		return m.text + suffix, verdict(m.value >= limit)
	}
}

// perFunction checks unit on every cold-start row but hello's.
func perFunction(unit, suffix string, ok func(float64) bool) func([]result) (string, string) {
	return func(rs []result) (string, string) {
		var parts []string
		all, seen := true, false
		for _, r := range rs {
			if r.pkg != "infra/coldstart" || r.name == "ColdStart/hello" {
				continue
			}
			m, found := r.find(unit)
			if !found {
				continue
			}
			seen = true
			mark := ""
			if !ok(m.value) {
				all, mark = false, " ✗"
			}
			parts = append(parts, fmt.Sprintf("%s %s%s%s", strings.TrimPrefix(r.name, "ColdStart/"), m.text, suffix, mark))
		}
		if !seen {
			return notMeasured, notMeasured
		}
		return strings.Join(parts, ", "), verdict(all)
	}
}

func importGoal(rs []result) (string, string) {
	_, rate, ok := first(rs, "ImportS3", "rows/s")
	if !ok {
		return notMeasured, notMeasured
	}
	_, inv, _ := first(rs, "ImportS3", "invocations/op")
	_, people, ok := first(rs, "ImportS3", "people")
	if !ok {
		return fmt.Sprintf("one upload at %s rows/s in %s invocation(s); its size not reported (before the benchmark reported it)", rate.text, inv.text), notMeasured
	}
	text := fmt.Sprintf("%s people in one upload, %s rows/s, %s invocation(s)", people.text, rate.text, inv.text)
	if people.value < 100_000 {
		return text + " (this run's size; `IMPORT_BENCH_PEOPLE=100000` for the full one)", "at this size"
	}
	return text, "yes"
}

// loadGoal reads BenchmarkLoadCompletions, which fails (and so reports
// nothing) on an unexpected answer or a lost or duplicated record; its
// counts are checked here once more.
func loadGoal(rs []result) (string, string) {
	_, n, ok := first(rs, "LoadCompletions", "completions")
	if !ok {
		return notMeasured, notMeasured
	}
	_, p50, _ := first(rs, "LoadCompletions", "p50-ms")
	_, p99, _ := first(rs, "LoadCompletions", "p99-ms")
	_, failed, _ := first(rs, "LoadCompletions", "failed-attempts")
	_, refused, _ := first(rs, "LoadCompletions", "duplicates-refused")
	_, stored, _ := first(rs, "LoadCompletions", "attempts-stored")
	_, events, _ := first(rs, "LoadCompletions", "attempt-events-stored")
	text := fmt.Sprintf("%s completions, p50 %s ms, p99 %s ms; %s failing attempts and %s duplicates refused as expected; %s attempts and %s attempt events stored",
		n.text, p50.text, p99.text, failed.text, refused.text, stored.text, events.text)
	want := n.value + failed.value
	return text, verdict(n.value >= 10_000 && stored.value == want && events.value == want)
}

func costGoal(rs []result) (string, string) {
	_, small, ok := first(rs, "Cost", "scenario1-USD/1000people/month@1000")
	if !ok {
		return notMeasured, notMeasured
	}
	_, large, _ := first(rs, "Cost", "scenario1-USD/1000people/month@100000")
	return fmt.Sprintf("as deployed: $%s per 1,000 people per month at 100,000 people, $%s at 1,000 (fixed costs; docs/COST.md)", large.text, small.text), verdict(large.value <= 0.5)
}

// teamViewGoal reads BenchmarkTeamView5k: the latency of one view of a
// manager's whole subtree, and the items read against the people and
// assignments shown (its read/shown). The subtree must hold 5,000 people;
// a run from before the benchmark reported its size says so and is not
// measured.
func teamViewGoal(rs []result) (string, string) {
	_, ratio, ok := first(rs, "TeamView5k", "read/shown")
	if !ok {
		return notMeasured, notMeasured
	}
	latency := "latency not reported"
	if _, ns, ok := first(rs, "TeamView5k", "ns/op"); ok {
		latency = fmt.Sprintf("%.1f s per view", ns.value/1e9)
	}
	_, read, _ := first(rs, "TeamView5k", "items-read")
	_, people, ok := first(rs, "TeamView5k", "people-shown")
	if !ok {
		return fmt.Sprintf("%s; %s items read, %s× shown; the people shown not reported (before the benchmark reported them)", latency, read.text, ratio.text), notMeasured
	}
	_, assignments, _ := first(rs, "TeamView5k", "assignments-shown")
	text := fmt.Sprintf("%s; %s people and %s assignments shown, %s items read: %s×", latency, people.text, assignments.text, read.text, ratio.text)
	if people.value < 5000 {
		return text + " (fewer than 5,000 people)", verdict(false)
	}
	return text, verdict(ratio.value <= 1.2)
}

// below is atMost with the limit itself a miss.
func below(prefix, unit, suffix string, limit float64) func([]result) (string, string) {
	return func(rs []result) (string, string) {
		_, m, ok := first(rs, prefix, unit)
		if !ok {
			return notMeasured, notMeasured
		}
		return m.text + suffix, verdict(m.value < limit)
	}
}
