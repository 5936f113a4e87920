package auditlog

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/signing"
)

// PublicKey gives the public half of the evidence key (a signing.Signer is
// one).
type PublicKey interface {
	PublicKeyPEM(ctx context.Context) ([]byte, error)
}

// Verifier re-walks the audit stream against its seals.
type Verifier struct {
	Store Store
	// Key checks the seals' signatures; nil means no evidence key is
	// configured, and a range with a seal to check is an error.
	Key PublicKey
	Now func() time.Time
}

// Verification is what Verify found.
type Verification struct {
	// OK is true when nothing is broken up to To.
	OK bool `json:"ok"`
	// Events is how many events were checked (up to the first break).
	Events int `json:"events"`
	// Days is how many days were checked, SealedDays of them against their
	// seal; UnsealedDays had none, legitimately: they are not over the
	// grace period yet, or come before the first seal.
	Days         int `json:"days"`
	SealedDays   int `json:"sealedDays"`
	UnsealedDays int `json:"unsealedDays"`
	// FirstBroken names the first broken link, nil when OK.
	FirstBroken *Break `json:"firstBroken"`
}

// Break names where the stream or its seals stop proving themselves.
type Break struct {
	// Day is the UTC day of the break.
	Day string `json:"day"`
	// EventID names the event whose content changed; for a day whose
	// events no longer chain to its seal, the first event of the thousand
	// (between two checkpoints) among which the change is, LastEventID the
	// last.
	EventID     string `json:"eventId,omitempty"`
	LastEventID string `json:"lastEventId,omitempty"`
	// Reason says what is broken.
	Reason string `json:"reason"`
}

// MaxVerifyDays bounds the span of one verification.
const MaxVerifyDays = 400

// ErrNoKey is the error of a verification that has a seal to check and no
// public key.
var ErrNoKey = apperr.New(apperr.Conflict, "no evidence key configured: the seals' signatures cannot be checked")

// errStop ends a day's walk at its first break.
var errStop = errors.New("stop")

// Verify checks the days from through to (YYYY-MM-DD, inclusive, at most
// MaxVerifyDays, none in the future): every event against the hash stored
// with it; every sealed day's events against its seal's count, checkpoints
// and root; every seal's signature and its link to the previous day's seal;
// and that every day from the first seal on that ended more than the grace
// period ago is sealed. It stops at the first break and names it.
func (v *Verifier) Verify(ctx context.Context, from, to string) (Verification, error) {
	start, end, err := v.span(from, to)
	if err != nil {
		return Verification{}, err
	}
	w := walk{v: v, ctx: ctx, through: audit.LastSealable(v.Now())}
	first, hasFirst, err := v.Store.FirstSeal(ctx)
	if err != nil {
		return Verification{}, err
	}
	if hasFirst {
		w.genesis = first.Day
	}
	seals, err := v.Store.Seals(ctx, from, to)
	if err != nil {
		return Verification{}, err
	}
	byDay := make(map[string]audit.SignedSeal, len(seals))
	for _, s := range seals {
		byDay[s.Day] = s
	}
	// The link into the range: the seal of the day before it.
	before := start.AddDate(0, 0, -1).Format(time.DateOnly)
	if hasFirst && before >= w.genesis {
		prev, found, err := v.Store.Seal(ctx, before)
		if err != nil {
			return Verification{}, err
		}
		if found {
			w.prev = prev.Digest()
		}
	}
	for _, day := range days(start, end) {
		seal, sealed := byDay[day]
		broken, err := w.day(day, seal, sealed, hasFirst)
		if err != nil {
			return Verification{}, err
		}
		if broken != nil {
			w.res.FirstBroken = broken
			return w.res, nil
		}
	}
	w.res.OK = true
	return w.res, nil
}

// span validates the range: both days, to not before from, at most
// MaxVerifyDays, to not after today.
func (v *Verifier) span(from, to string) (time.Time, time.Time, error) {
	var problems []apperr.Problem
	start, err := time.Parse(time.DateOnly, from)
	if err != nil {
		problems = append(problems, apperr.Problem{Field: "from", Message: "must be a date, YYYY-MM-DD"})
	}
	end, err2 := time.Parse(time.DateOnly, to)
	if err2 != nil {
		problems = append(problems, apperr.Problem{Field: "to", Message: "must be a date, YYYY-MM-DD"})
	}
	if err == nil && err2 == nil {
		today := v.Now().UTC().Format(time.DateOnly)
		switch {
		case end.Before(start):
			problems = append(problems, apperr.Problem{Field: "to", Message: "must not be before from"})
		case end.Sub(start) >= MaxVerifyDays*24*time.Hour:
			problems = append(problems, apperr.Problem{Field: "to", Message: fmt.Sprintf("the range may span at most %d days", MaxVerifyDays)})
		case to > today:
			problems = append(problems, apperr.Problem{Field: "to", Message: "must not be in the future"})
		}
	}
	if len(problems) > 0 {
		return time.Time{}, time.Time{}, apperr.InvalidWith("the range to verify is not valid: "+problems[0].String(), problems)
	}
	return start, end, nil
}

// walk is one verification in progress.
type walk struct {
	v       *Verifier
	ctx     context.Context
	through string // the last day that must be sealed
	genesis string // the first seal's day, "" if none
	prev    string // the digest of the previous day's seal, "" if it has none
	key     []byte
	res     Verification
}

// day checks one day and returns its break, if any.
func (w *walk) day(day string, signed audit.SignedSeal, sealed, hasFirst bool) (*Break, error) {
	w.res.Days++
	if !sealed {
		switch {
		case day > w.through:
			// Not over the grace period yet: only the events' own hashes.
		case !hasFirst:
			return &Break{Day: day, Reason: "no seal exists: the audit log was never sealed, or its seals were deleted"}, nil
		case day < w.genesis:
			// Before the chain began.
		default:
			return &Break{Day: day, Reason: "the day ended more than an hour ago and has no seal: the sealing run has not run, or the seal was deleted"}, nil
		}
		w.res.UnsealedDays++
		w.prev = ""
		return w.events(day, nil)
	}
	seal, err := signed.Parse()
	if err != nil {
		return &Break{Day: day, Reason: "the seal is malformed: " + err.Error()}, nil
	}
	if w.key == nil {
		if w.v.Key == nil {
			return nil, ErrNoKey
		}
		if w.key, err = w.v.Key.PublicKeyPEM(w.ctx); err != nil {
			return nil, fmt.Errorf("evidence public key: %w", err)
		}
	}
	if err := signing.Verify(w.key, signed.Bytes, signed.Signature); err != nil {
		return &Break{Day: day, Reason: "the seal's signature does not verify with the evidence key: the seal was forged or changed"}, nil
	}
	switch {
	case day == w.genesis && seal.Prev != audit.GenesisPrev:
		return &Break{Day: day, Reason: "the earliest seal links to a previous seal that no longer exists: seals before it were deleted"}, nil
	case day != w.genesis && w.prev == "":
		return &Break{Day: day, Reason: "the previous day's seal is missing: the chain of seals is broken"}, nil
	case day != w.genesis && seal.Prev != w.prev:
		return &Break{Day: day, Reason: "the seal does not link to the previous day's seal: the chain of seals is broken"}, nil
	}
	w.res.SealedDays++
	w.prev = signed.Digest()
	return w.events(day, &seal)
}

// events walks a day's events: each against its stored hash and, for a
// sealed day, the chain against the seal.
func (w *walk) events(day string, seal *audit.Seal) (*Break, error) {
	var (
		chain      *audit.Chain
		broken     *Break
		first, cur string // the first and the current event of the thousand being chained
	)
	if seal != nil {
		var err error
		if chain, err = audit.NewChain(seal.Prev); err != nil {
			return nil, err
		}
	}
	_, err := w.v.Store.AuditDay(w.ctx, day, func(e audit.Stored) error {
		w.res.Events++
		if e.Hash != "" && audit.Hash(e.Event) != e.Hash {
			broken = &Break{Day: day, EventID: e.ID, Reason: "the event's content does not match the hash written with it: it was changed after it was written"}
			return errStop
		}
		if e.Day() != day {
			broken = &Break{Day: day, EventID: e.ID, Reason: "the event is stored under another day than its time"}
			return errStop
		}
		if chain == nil {
			return nil
		}
		if chain.Count()%audit.CheckpointEvery == 0 {
			first = e.ID
		}
		cur = e.ID
		checkpoint, err := chain.Add(e.ChainHash())
		if err != nil {
			broken = &Break{Day: day, EventID: e.ID, Reason: "the hash stored with the event is malformed"}
			return errStop
		}
		if checkpoint {
			k := chain.Count()/audit.CheckpointEvery - 1
			if k >= len(seal.Checkpoints) || seal.Checkpoints[k] != chain.Root() {
				broken = &Break{Day: day, EventID: first, LastEventID: cur,
					Reason: fmt.Sprintf("events %d to %d of the day do not chain to the seal's checkpoint: one of them was changed, added or removed", chain.Count()-audit.CheckpointEvery+1, chain.Count())}
				return errStop
			}
		}
		return nil
	})
	if broken != nil {
		return broken, nil
	}
	if err != nil {
		return nil, err
	}
	if chain != nil && (chain.Count() != seal.Count || chain.Root() != seal.Root) {
		return &Break{Day: day, EventID: first, LastEventID: cur,
			Reason: fmt.Sprintf("the day's %d events do not chain to its seal's root (%d events sealed): an event from the one named on was changed, added or removed", chain.Count(), seal.Count)}, nil
	}
	return nil, nil
}
