// Command benchreport turns `go test -bench` output (on standard input) into
// the Markdown table kept in docs/BENCHMARKS.md, headed with the machine and
// the date, so `make bench` prints numbers ready to paste.
package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"
)

func main() {
	var cpu, pkg string
	var rows []string
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "cpu: "):
			cpu = strings.TrimPrefix(line, "cpu: ")
		case strings.HasPrefix(line, "pkg: "):
			pkg = strings.TrimPrefix(line, "pkg: github.com/attest-oss/attest/")
		case strings.HasPrefix(line, "Benchmark"):
			if row, ok := format(pkg, line); ok {
				rows = append(rows, row)
			}
		}
	}
	fmt.Printf("\n### %s — %s, %d cores, %s/%s, %s\n\n", time.Now().UTC().Format(time.DateOnly), cpu, runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	fmt.Println("| package | benchmark | runs | results |")
	fmt.Println("|---|---|---|---|")
	for _, r := range rows {
		fmt.Println(r)
	}
}

// format renders one result line: name, iterations, then value/unit pairs.
func format(pkg, line string) (string, bool) {
	f := strings.Fields(line)
	if len(f) < 4 {
		return "", false
	}
	var metrics []string
	for i := 2; i+1 < len(f); i += 2 {
		metrics = append(metrics, f[i]+" "+f[i+1])
	}
	return fmt.Sprintf("| %s | %s | %s | %s |", pkg, f[0], f[1], strings.Join(metrics, ", ")), true
}
