package auditlog_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/auditlog"
	"github.com/attest-oss/attest/shared/evidence/evidencetest"
)

// bundleLog writes the audit log of a period (5 October 12:00 to 7 October
// 12:00) as an evidence bundle does: the events of person#E2 in full, the
// others redacted. 6 October holds 1200 events, so its seal has a
// checkpoint. It returns the directory holding audit-log.jsonl,
// public.pem and the script, and the log's lines.
func bundleLog(t *testing.T, e *env, now time.Time, sealThrough bool) (string, []string, auditlog.LogCounts) {
	t.Helper()
	ctx := context.Background()
	e.history()
	busy := time.Date(2026, 10, 6, 8, 0, 0, 0, time.UTC)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < 1200; i += 8 {
				subject := "person#E3"
				if i%100 == 7 {
					subject = "person#E2"
				}
				if err := e.store.PutAuditEvent(ctx, audit.Event{ID: fmt.Sprintf("busy-%04d", i), At: busy.Add(time.Duration(i) * time.Second),
					Actor: "key:ci", Action: audit.ActionAssignmentsChanged, Subject: subject, Details: map[string]any{"n": i, "note": "<&>"}}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if sealThrough {
		e.seal()
	}
	e.setNow(now)
	dir := t.TempDir()
	var log bytes.Buffer
	counts, err := (&auditlog.Writer{Store: e.store}).WriteLog(ctx, &log,
		time.Date(2026, 10, 5, 12, 0, 0, 0, time.UTC), time.Date(2026, 10, 7, 12, 0, 0, 0, time.UTC),
		func(ev audit.Event) bool { return ev.Subject == "person#E2" })
	if err != nil {
		t.Fatal(err)
	}
	pem, err := e.signer.PublicKeyPEM(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string][]byte{"audit-log.jsonl": log.Bytes(), "public.pem": pem} {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir, strings.SplitAfter(strings.TrimSuffix(log.String(), "\n"), "\n"), counts
}

// runVerifier runs the README's script with python3 on log in dir.
func runVerifier(t *testing.T, dir, log string) (int, string) {
	t.Helper()
	return evidencetest.VerifyAuditLog(t, "../../README.md", dir, log)
}

// TestWriteLogAndVerifyItOffline writes a bundle's audit log from DynamoDB
// Local and checks it with the README's verifier and openssl: it verifies;
// every event line hashes to its stored hash; one byte changed, a line or a
// day removed, a seal's signature changed: each fails, naming the lines.
func TestWriteLogAndVerifyItOffline(t *testing.T) {
	t.Parallel()
	e := newEnv(t, time.Date(2026, 10, 8, 3, 0, 0, 0, time.UTC))
	dir, lines, counts := bundleLog(t, e, time.Date(2026, 10, 8, 3, 0, 0, 0, time.UTC), true)

	// 5 October: 4 events, only ev-empty (20:00) in the period, not in
	// scope; 6 October: 3 + 1200, all in the period, 3 + 12 of person#E2;
	// 7 October: 3, all before noon and of person#E2.
	want := auditlog.LogCounts{Events: 1210, InScope: 15 + 3, Days: 3}
	if counts != want {
		t.Errorf("counts %+v, want %+v", counts, want)
	}
	if len(lines) != counts.Events+counts.Days {
		t.Fatalf("%d lines, want an event or seal a line", len(lines))
	}
	stored := map[string]string{}
	for _, day := range []string{"2026-10-05", "2026-10-06", "2026-10-07"} {
		if _, err := e.store.AuditDay(context.Background(), day, func(s audit.Stored) error { stored[s.ID] = s.Hash; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	for i, l := range lines {
		l = strings.TrimSuffix(l, "\n")
		var line struct {
			ID       string `json:"id"`
			Redacted string `json:"redacted"`
		}
		if err := json.Unmarshal([]byte(l), &line); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		sum := sha256.Sum256([]byte(l))
		if line.ID != "" && stored[line.ID] != hex.EncodeToString(sum[:]) {
			t.Errorf("line %d (%s) hashes to %x, stored %s", i+1, line.ID, sum, stored[line.ID])
		}
		if strings.Contains(l, "person#E3") {
			t.Errorf("line %d is out of scope and written in full: %s", i+1, l)
		}
	}
	if code, out := runVerifier(t, dir, "audit-log.jsonl"); code != 0 || !strings.Contains(out, "verified: 3 days, 1210 events (18 in full)") {
		t.Fatalf("the log as written: exit %d\n%s", code, out)
	}

	// The line of an event in full, by id, 1-based.
	lineOf := func(id string) int {
		for i, l := range lines {
			if strings.HasPrefix(l, `{"id":"`+id+`"`) {
				return i + 1
			}
		}
		t.Fatalf("no line of %s", id)
		return 0
	}
	changeByte := func(n int, from, to string) func([]string) []string {
		return func(ls []string) []string {
			if !strings.Contains(ls[n-1], from) {
				t.Fatalf("line %d has no %q", n, from)
			}
			ls[n-1] = strings.Replace(ls[n-1], from, to, 1)
			return ls
		}
	}
	day6, day7 := lineOf("ev-1-0"), lineOf("ev-2-0")
	seal6 := day7 - 1 // 6 October's seal line is just before 7 October's first event
	for _, tt := range []struct {
		name        string
		change      func([]string) []string
		want        string
		first, last int // the lines named
	}{
		{"one byte of an event's actor", changeByte(lineOf("ev-2-1"), "person:E1", "person:E2"), "root", day7, day7 + 2},
		{"one byte of a busy day's event, before its checkpoint", changeByte(lineOf("busy-0307"), `"n":307`, `"n":308`), "checkpoint 1", day6, day6 + 999},
		{"one byte of an event after the checkpoint", changeByte(lineOf("busy-1107"), `"n":1107`, `"n":1117`), "root", day6 + 1000, day6 + 1202},
		{"one byte that breaks the JSON", changeByte(lineOf("ev-1-1"), `{"id"`, `["id"`), "not JSON", lineOf("ev-1-1"), lineOf("ev-1-1")},
		{"a line removed", func(ls []string) []string { n := lineOf("ev-2-1"); return append(ls[:n-1:n-1], ls[n:]...) }, "root", day7, day7 + 1},
		{"a day removed", func(ls []string) []string {
			return append(ls[:day6-1:day6-1], ls[seal6:]...)
		}, "does not link to the seal before it", day6 + 3, day6 + 3},
		{"a seal's signature changed", func(ls []string) []string {
			var s struct{ Seal, Signature string }
			if err := json.Unmarshal([]byte(ls[seal6-1]), &s); err != nil {
				t.Fatal(err)
			}
			sig := []byte(s.Signature)
			if sig[10] == 'A' {
				sig[10] = 'B'
			} else {
				sig[10] = 'A'
			}
			ls[seal6-1] = strings.Replace(ls[seal6-1], s.Signature, string(sig), 1)
			return ls
		}, "signature does not verify", seal6, seal6},
	} {
		t.Run(tt.name, func(t *testing.T) {
			changed := tt.change(append([]string{}, lines...))
			name := "tampered-" + regexp.MustCompile(`\W+`).ReplaceAllString(tt.name, "-") + ".jsonl"
			if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.Join(changed, "")), 0o600); err != nil {
				t.Fatal(err)
			}
			code, out := runVerifier(t, dir, name)
			if code != 1 || !strings.Contains(out, "BROKEN") || !strings.Contains(out, tt.want) {
				t.Fatalf("exit %d, want 1 with %q:\n%s", code, tt.want, out)
			}
			named := regexp.MustCompile(`lines? (\d+)(?:-(\d+))?`).FindStringSubmatch(out)
			if named == nil {
				t.Fatalf("no line named:\n%s", out)
			}
			first, _ := strconv.Atoi(named[1])
			last := first
			if named[2] != "" {
				last, _ = strconv.Atoi(named[2])
			}
			if first != tt.first || last != tt.last {
				t.Errorf("named %q, want lines %d to %d:\n%s", named[0], tt.first, tt.last, out)
			}
		})
	}
}

// TestVerifyOfflineAPreview: a log with a day not sealed yet verifies up to
// it and says so (exit 2).
func TestVerifyOfflineAPreview(t *testing.T) {
	t.Parallel()
	e := newEnv(t, time.Date(2026, 10, 7, 3, 0, 0, 0, time.UTC)) // 7 October is not sealed yet
	dir, _, counts := bundleLog(t, e, time.Date(2026, 10, 7, 13, 0, 0, 0, time.UTC), true)
	if counts.Unsealed != 1 {
		t.Errorf("counts %+v, want 7 October unsealed", counts)
	}
	if code, out := runVerifier(t, dir, "audit-log.jsonl"); code != 2 || !strings.Contains(out, "not sealed yet: 2026-10-07") {
		t.Errorf("exit %d, want 2 naming 7 October:\n%s", code, out)
	}
}
