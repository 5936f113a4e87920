package roster

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
	"time"

	"github.com/attest-oss/attest/shared/audit"
)

// EmailOp is one change to an address claim within an import.
type EmailOp struct {
	Email string `json:"email"`
	// Claim is true when the person takes the address, false when they
	// let it go.
	Claim bool `json:"claim,omitempty"`
	// PrevOwner is who held the address before the import, when that is
	// another person letting it go in the same import (a swap).
	PrevOwner string `json:"prevOwner,omitempty"`
}

// EmailOps works out the address claims of a plan as a whole, by employee
// id, so that two people swapping addresses in one upload write each claim
// once.
func EmailOps(p Plan) map[string][]EmailOp {
	claimedBy := map[string]string{}
	releasedBy := map[string]string{}
	for _, c := range p.Created {
		claimedBy[strings.ToLower(c.Email)] = c.EmployeeID
	}
	for _, c := range p.Updated {
		if strings.EqualFold(c.Before.Email, c.After.Email) {
			continue
		}
		claimedBy[strings.ToLower(c.After.Email)] = c.After.EmployeeID
		releasedBy[strings.ToLower(c.Before.Email)] = c.Before.EmployeeID
	}
	ops := map[string][]EmailOp{}
	for email, id := range claimedBy {
		ops[id] = append(ops[id], EmailOp{Email: email, Claim: true, PrevOwner: releasedBy[email]})
	}
	for email, id := range releasedBy {
		if _, retaken := claimedBy[email]; !retaken {
			ops[id] = append(ops[id], EmailOp{Email: email})
		}
	}
	return ops
}

// PlanLine is one planned person change, as written: everything its
// transaction needs, so that a plan frozen at validation is written
// exactly, however long after.
type PlanLine struct {
	// N is the line's position in the plan, from 1; it names the line's
	// audit event (audit.BatchEventID(batch, N)).
	N int `json:"n"`
	// Action is the person's audit action: person.created, .updated or
	// .deactivated.
	Action string `json:"action"`
	// Row is the upload row the line comes from; 0 for a deactivation.
	Row     int           `json:"row,omitempty"`
	After   Person        `json:"after"`
	Changes []FieldChange `json:"changes"`
	// Revision and Version are those of the stored record the change was
	// planned against (0 for a creation); Version guards the write.
	Revision int `json:"revision,omitempty"`
	Version  int `json:"version,omitempty"`
	// CredentialsNotBefore is the stored record's, kept unless Revokes.
	CredentialsNotBefore time.Time `json:"credentialsNotBefore,omitzero"`
	// Revokes says that the change revokes the person's sign-in links and
	// sessions (Change.RevokesCredentials).
	Revokes bool      `json:"revokes,omitempty"`
	Emails  []EmailOp `json:"emails,omitempty"`
}

// Created reports whether the line creates its person.
func (l PlanLine) Created() bool { return l.Action == audit.ActionPersonCreated }

// PlanLines returns the lines of a commit in write order: created people,
// then updated, then deactivated ones, each by employee id; rows gives the
// upload row of each employee id (nil leaves Row 0).
func PlanLines(c Commit, rows map[string]int) ([]PlanLine, error) {
	emails := EmailOps(c.Plan)
	lines := make([]PlanLine, 0, len(c.Plan.Created)+len(c.Plan.Updated)+len(c.Plan.Deactivated))
	for _, p := range c.Plan.Created {
		lines = append(lines, PlanLine{
			N: len(lines) + 1, Action: audit.ActionPersonCreated, Row: rows[p.EmployeeID], After: p,
			Changes: Diff(Person{}, p), Emails: emails[p.EmployeeID],
		})
	}
	for _, kind := range []struct {
		action  string
		changes []Change
	}{{audit.ActionPersonUpdated, c.Plan.Updated}, {audit.ActionPersonDeactivated, c.Plan.Deactivated}} {
		for _, ch := range kind.changes {
			before, ok := c.Stored[ch.Before.EmployeeID]
			if !ok {
				return nil, fmt.Errorf("plan lines: %s is not among the stored records", ch.Before.EmployeeID)
			}
			lines = append(lines, PlanLine{
				N: len(lines) + 1, Action: kind.action, Row: rows[ch.After.EmployeeID], After: ch.After, Changes: ch.Fields,
				Revision: before.Revision, Version: before.Version, CredentialsNotBefore: before.CredentialsNotBefore,
				Revokes: ch.RevokesCredentials, Emails: emails[ch.After.EmployeeID],
			})
		}
	}
	return lines, nil
}

// uploadRows returns the upload row of each employee id of u.
func uploadRows(u Upload) map[string]int {
	rows := make(map[string]int, len(u.People))
	for i, p := range u.People {
		rows[strings.TrimSpace(p.EmployeeID)] = u.Rows[i]
	}
	return rows
}

// PlanContentType is the media type of a frozen plan object.
const PlanContentType = "application/gzip"

// EncodePlan writes lines to w as gzip-compressed JSON lines, one line a
// person change.
func EncodePlan(w io.Writer, lines []PlanLine) error {
	zw := gzip.NewWriter(w)
	enc := json.NewEncoder(zw)
	for _, l := range lines {
		if err := enc.Encode(l); err != nil {
			return fmt.Errorf("encode plan line %d: %w", l.N, err)
		}
	}
	return zw.Close()
}

// maxPlanLine bounds one encoded plan line (a person is a few hundred bytes).
const maxPlanLine = 1 << 20

// DecodePlan reads a plan written by EncodePlan, line by line; it yields
// an error (and stops) on a malformed plan or a line out of sequence.
func DecodePlan(r io.Reader) iter.Seq2[PlanLine, error] {
	return func(yield func(PlanLine, error) bool) {
		zr, err := gzip.NewReader(r)
		if err != nil {
			yield(PlanLine{}, fmt.Errorf("read plan: %w", err))
			return
		}
		sc := bufio.NewScanner(zr)
		sc.Buffer(make([]byte, 64<<10), maxPlanLine)
		for n := 1; sc.Scan(); n++ {
			var l PlanLine
			if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
				yield(PlanLine{}, fmt.Errorf("read plan line %d: %w", n, err))
				return
			}
			if l.N != n {
				yield(PlanLine{}, fmt.Errorf("read plan: line %d numbered %d", n, l.N))
				return
			}
			if !yield(l, nil) {
				return
			}
		}
		if err := sc.Err(); err != nil && !errors.Is(err, io.EOF) {
			yield(PlanLine{}, fmt.Errorf("read plan: %w", err))
		}
	}
}
