package auditlog

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/attest-oss/attest/shared/audit"
)

// Writer writes the audit log of an evidence bundle.
type Writer struct {
	Store Store
}

// LogCounts is what a written audit log holds: every event of its days
// (Events), of which InScope written in full, the rest redacted to their
// hash; Days days, of which Unsealed had no seal yet.
type LogCounts struct {
	Events   int `json:"events"`
	InScope  int `json:"inScope"`
	Days     int `json:"days"`
	Unsealed int `json:"unsealed"`
}

// WriteLog writes audit-log.jsonl for the UTC days covering [start, end):
// for each day, one line per event in stream order, the event's canonical
// JSON (audit.Canonical) when inScope says so and start ≤ at < end, else
// {"redacted":"<hash>"}, then the day's seal line
// {"seal":"<its canonical JSON>","signature":"<base64>"}, or
// {"unsealed":"<day>"} for a day not sealed yet. The SHA-256 of each event
// line is the hash its link is made of, so the file verifies alone against
// the evidence public key (docs/AUDIT.md). It streams, a page of events at
// a time; inScope nil means every event.
func (w *Writer) WriteLog(ctx context.Context, out io.Writer, start, end time.Time, inScope func(audit.Event) bool) (LogCounts, error) {
	var counts LogCounts
	if !end.After(start) {
		return counts, fmt.Errorf("audit log of an empty period [%s, %s)", start, end)
	}
	bw := bufio.NewWriterSize(out, 64<<10)
	var line bytes.Buffer
	enc := json.NewEncoder(&line)
	enc.SetEscapeHTML(false)
	for _, day := range days(start, end.Add(-time.Nanosecond)) {
		counts.Days++
		if _, err := w.Store.AuditDay(ctx, day, func(e audit.Stored) error {
			counts.Events++
			if (inScope == nil || inScope(e.Event)) && !e.At.Before(start) && e.At.Before(end) {
				counts.InScope++
				if _, err := bw.Write(audit.Canonical(e.Event)); err != nil {
					return err
				}
				return bw.WriteByte('\n')
			}
			line.Reset()
			if err := enc.Encode(redactedLine{Redacted: e.ChainHash()}); err != nil {
				return err
			}
			_, err := bw.Write(line.Bytes())
			return err
		}); err != nil {
			return counts, fmt.Errorf("audit log of %s: %w", day, err)
		}
		seal, found, err := w.Store.Seal(ctx, day)
		if err != nil {
			return counts, err
		}
		line.Reset()
		if found {
			err = enc.Encode(sealLine{Seal: string(seal.Bytes), Signature: base64.StdEncoding.EncodeToString(seal.Signature)})
		} else {
			counts.Unsealed++
			err = enc.Encode(unsealedLine{Unsealed: day})
		}
		if err != nil {
			return counts, err
		}
		if _, err := bw.Write(line.Bytes()); err != nil {
			return counts, err
		}
	}
	return counts, bw.Flush()
}

// sealLine is a day's seal in the audit log.
type sealLine struct {
	Seal      string `json:"seal"`
	Signature string `json:"signature"`
}

// redactedLine stands for an event out of the log's scope: its hash only.
type redactedLine struct {
	Redacted string `json:"redacted"`
}

// unsealedLine marks a day without a seal yet (a preview's last days).
type unsealedLine struct {
	Unsealed string `json:"unsealed"`
}
