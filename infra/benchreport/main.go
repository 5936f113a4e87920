// Command benchreport turns one `make bench` run into one Markdown report:
// the machine, the date and the commit; the goals of the issues checked
// against the figures of this run; and one table of every benchmark (the
// `go test -bench` results and the cold-start table of infra/coldstart).
// It prints the report and, with -doc, keeps it in docs/BENCHMARKS.md
// between two markers, replacing the previous run's report there and
// leaving the hand-written history below untouched.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// The markers around the latest run's report in the benchmarks document.
const (
	beginMarker = "<!-- make bench: latest run (written by infra/benchreport) -->"
	endMarker   = "<!-- /make bench -->"
)

func main() {
	benchFile := flag.String("bench", "build/bench.txt", "go test -bench output")
	coldFile := flag.String("coldstart", "", "infra/coldstart's Markdown output (optional)")
	doc := flag.String("doc", "", "the document to keep the report in (docs/BENCHMARKS.md); empty prints only")
	started := flag.Int64("started", 0, "the run's start, Unix seconds (for its duration)")
	flag.Parse()
	if err := run(*benchFile, *coldFile, *doc, *started); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
}

func run(benchFile, coldFile, doc string, started int64) error {
	f, err := os.Open(benchFile)
	if err != nil {
		return err
	}
	defer f.Close()
	res, err := parseBench(f)
	if err != nil {
		return err
	}
	if coldFile != "" {
		cf, err := os.Open(coldFile)
		if err != nil {
			return err
		}
		defer cf.Close()
		cold, err := parseColdStart(cf)
		if err != nil {
			return err
		}
		res.results = append(res.results, cold...)
	}
	if len(res.results) == 0 {
		return errors.New("no benchmark results in " + benchFile)
	}
	var m machine
	m.cpu = res.cpu
	m.commit = gitCommit()
	m.date = time.Now().UTC()
	if started > 0 {
		m.elapsed = m.date.Sub(time.Unix(started, 0)).Round(time.Second)
	}
	var buf bytes.Buffer
	report(&buf, m, res.results)
	os.Stdout.Write(buf.Bytes())
	if doc == "" {
		return nil
	}
	old, err := os.ReadFile(doc)
	if err != nil {
		return err
	}
	return os.WriteFile(doc, splice(old, buf.Bytes()), 0o644)
}

// A result is one benchmark's line: where, what, how many runs, and its
// figures in the order reported.
type result struct {
	pkg, name string
	runs      string
	metrics   []metric
}

// A metric is one value with its unit, as `go test -bench` prints it.
type metric struct {
	value float64
	text  string // as printed
	unit  string
}

// find returns the figure with unit u, if reported.
func (r result) find(u string) (metric, bool) {
	for _, m := range r.metrics {
		if m.unit == u {
			return m, true
		}
	}
	return metric{}, false
}

type parsed struct {
	cpu     string
	results []result
}

// parseBench reads `go test -bench` output of any number of packages.
func parseBench(r io.Reader) (parsed, error) {
	var p parsed
	var pkg string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<16), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "cpu: "):
			p.cpu = strings.TrimPrefix(line, "cpu: ")
		case strings.HasPrefix(line, "pkg: "):
			pkg = strings.TrimPrefix(line, "pkg: github.com/attest-oss/attest/")
		case strings.HasPrefix(line, "Benchmark"):
			if res, ok := parseLine(pkg, line); ok {
				p.results = append(p.results, res)
			}
		}
	}
	return p, sc.Err()
}

// parseLine reads one result line: name, iterations, then value/unit pairs.
// Lines that are not results (a benchmark's own log output) are skipped.
func parseLine(pkg, line string) (result, bool) {
	f := strings.Fields(line)
	if len(f) < 4 || len(f)%2 != 0 {
		return result{}, false
	}
	if _, err := strconv.Atoi(f[1]); err != nil {
		return result{}, false
	}
	res := result{pkg: pkg, name: trimProcs(strings.TrimPrefix(f[0], "Benchmark")), runs: f[1]}
	for i := 2; i+1 < len(f); i += 2 {
		v, err := strconv.ParseFloat(f[i], 64)
		if err != nil {
			return result{}, false
		}
		res.metrics = append(res.metrics, metric{value: v, text: f[i], unit: f[i+1]})
	}
	return res, true
}

// trimProcs drops the -GOMAXPROCS suffix go test appends to a name.
func trimProcs(name string) string {
	i := strings.LastIndexByte(name, '-')
	if i < 0 {
		return name
	}
	if _, err := strconv.Atoi(name[i+1:]); err != nil {
		return name
	}
	return name[:i]
}

// parseColdStart reads infra/coldstart's table into one result per
// function, with the figures its goals are about.
func parseColdStart(r io.Reader) ([]result, error) {
	var out []result
	var cols []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if !strings.HasPrefix(line, "|") {
			cols = nil
			continue
		}
		cells := splitRow(line)
		switch {
		case len(cells) > 0 && cells[0] == "function":
			cols = cells
		case cols == nil || strings.HasPrefix(cells[0], "---"):
		default:
			res := result{pkg: "infra/coldstart", name: "ColdStart/" + cells[0], runs: "-"}
			rieSeen := false
			for i, c := range cells {
				if i == 0 || i >= len(cols) {
					continue
				}
				head := cols[i]
				var unit string
				switch {
				case head == "init median (RIE)":
					unit, rieSeen = "init-ms(RIE)", true
				case head == "vs hello" && rieSeen && !hasUnit(res, "vs-hello(RIE)"):
					unit = "vs-hello(RIE)"
				case head == "init median (no RIE)":
					unit = "init-ms(no-RIE)"
				case head == "vs hello":
					unit = "vs-hello(no-RIE)"
				case strings.HasPrefix(head, "gzipped"):
					unit = "gzip-MB(arm64)"
				default:
					continue
				}
				num := strings.TrimSpace(strings.TrimRight(strings.TrimSpace(c), "msMB×x "))
				v, err := strconv.ParseFloat(num, 64)
				if err != nil {
					return nil, fmt.Errorf("coldstart table: %s, column %q: %q is not a number", cells[0], head, c)
				}
				res.metrics = append(res.metrics, metric{value: v, text: num, unit: unit})
			}
			out = append(out, res)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, errors.New("coldstart: no table in its output")
	}
	return out, nil
}

func hasUnit(r result, u string) bool {
	_, ok := r.find(u)
	return ok
}

func splitRow(line string) []string {
	parts := strings.Split(strings.Trim(line, "|"), "|")
	for i := range parts {
		parts[i] = strings.TrimSpace(parts[i])
	}
	return parts
}

// machine is what the report's heading says about the run.
type machine struct {
	cpu     string
	commit  string
	date    time.Time
	elapsed time.Duration
}

func gitCommit() string {
	out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	c := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(bytes.TrimSpace(st)) > 0 {
		c += " (with uncommitted changes)"
	}
	return c
}

func memTotal() string {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return ""
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "MemTotal:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return fmt.Sprintf(", %.0f GiB", kb/(1<<20))
		}
	}
	return ""
}

func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	return strings.Join(strings.Fields(string(b))[:3], " ")
}

func report(w io.Writer, m machine, results []result) {
	fmt.Fprintf(w, "## %s — `make bench`, commit %s\n\n", m.date.Format(time.DateOnly), m.commit)
	fmt.Fprintf(w, "%s, %d cores%s, %s/%s, %s; load average at the end %s", m.cpu, runtime.NumCPU(), memTotal(), runtime.GOOS, runtime.GOARCH, runtime.Version(), loadAverage())
	if m.elapsed > 0 {
		fmt.Fprintf(w, "; the whole run took %s", m.elapsed)
	}
	fmt.Fprint(w, ".\n\n")
	fmt.Fprintln(w, "### Goals")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| goal | this run | met |")
	fmt.Fprintln(w, "|---|---|---|")
	for _, g := range goals {
		text, met := g.check(results)
		fmt.Fprintf(w, "| %s | %s | %s |\n", g.label, text, met)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "### Every benchmark")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "| package | benchmark | runs | results |")
	fmt.Fprintln(w, "|---|---|---|---|")
	for _, r := range results {
		var ms []string
		for _, x := range r.metrics {
			ms = append(ms, x.text+" "+x.unit)
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", r.pkg, r.name, r.runs, strings.Join(ms, ", "))
	}
}

// splice puts the report between the markers of doc, or, the first time,
// right after the document's introduction (before its first "## " section).
func splice(doc, rep []byte) []byte {
	block := append(append([]byte(beginMarker+"\n"), rep...), []byte(endMarker+"\n")...)
	if i := bytes.Index(doc, []byte(beginMarker)); i >= 0 {
		if j := bytes.Index(doc[i:], []byte(endMarker)); j >= 0 {
			rest := doc[i+j+len(endMarker):]
			rest = bytes.TrimPrefix(rest, []byte("\n"))
			return append(append(append([]byte{}, doc[:i]...), block...), rest...)
		}
	}
	i := bytes.Index(doc, []byte("\n## "))
	if i < 0 {
		return append(append(append([]byte{}, doc...), '\n'), block...)
	}
	return append(append(append(append([]byte{}, doc[:i+1]...), block...), '\n'), doc[i+1:]...)
}
