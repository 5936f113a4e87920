package auditlog

import (
	"context"
	"fmt"
	"time"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/signing"
)

// Sealer seals the days of the audit stream that ended.
type Sealer struct {
	Store  Store
	Signer signing.Signer
	Now    func() time.Time
}

// SealThrough seals, in order, every day after the last seal through the
// last day that ended at least audit.SealGrace ago, and returns how many
// seals it wrote. With no seal yet, the chain starts at
// audit.GenesisDay(now) with audit.GenesisPrev. Sealers may run at once:
// a day's seal is written only if absent, and a sealer that loses the race
// reads the winner's seal, accepts it if it seals the same chain and goes on
// from it, so the chain never forks.
func (s *Sealer) SealThrough(ctx context.Context) (int, error) {
	now := s.Now()
	through := audit.LastSealable(now)
	day, prev := audit.GenesisDay(now), audit.GenesisPrev
	last, found, err := s.Store.LastSeal(ctx)
	if err != nil {
		return 0, err
	}
	if found {
		if day, err = audit.NextDay(last.Day); err != nil {
			return 0, fmt.Errorf("last seal: %w", err)
		}
		prev = last.Digest()
	}
	sealed := 0
	for ; day <= through; day, _ = audit.NextDay(day) {
		signed, wrote, err := s.sealDay(ctx, day, prev, now)
		if err != nil {
			return sealed, err
		}
		if wrote {
			sealed++
		}
		prev = signed.Digest()
	}
	return sealed, nil
}

// sealDay chains the day's events from prev, signs the seal and writes it;
// if the day was sealed meanwhile, it returns the stored seal when it seals
// the same chain (wrote=false), else an error.
func (s *Sealer) sealDay(ctx context.Context, day, prev string, now time.Time) (audit.SignedSeal, bool, error) {
	chain, err := audit.NewChain(prev)
	if err != nil {
		return audit.SignedSeal{}, false, err
	}
	if _, err := s.Store.AuditDay(ctx, day, func(e audit.Stored) error {
		_, err := chain.Add(e.ChainHash())
		return err
	}); err != nil {
		return audit.SignedSeal{}, false, fmt.Errorf("seal %s: %w", day, err)
	}
	seal := audit.Seal{Day: day, Count: chain.Count(), Root: chain.Root(), Prev: prev, Checkpoints: chain.Checkpoints(),
		SealedAt: now.UTC(), KeyID: s.Signer.KeyID()}
	msg := seal.Canonical()
	sig, err := signing.SignMessage(ctx, s.Signer, msg)
	if err != nil {
		return audit.SignedSeal{}, false, fmt.Errorf("sign the seal of %s: %w", day, err)
	}
	signed := audit.SignedSeal{Day: day, Bytes: msg, Signature: sig}
	err = s.Store.PutSeal(ctx, signed)
	if err == nil {
		return signed, true, nil
	}
	if apperr.CodeOf(err) != apperr.Conflict {
		return audit.SignedSeal{}, false, err
	}
	stored, found, err := s.Store.Seal(ctx, day)
	if err != nil {
		return audit.SignedSeal{}, false, err
	}
	if !found {
		return audit.SignedSeal{}, false, fmt.Errorf("seal %s: refused as present, then not found", day)
	}
	theirs, err := stored.Parse()
	if err != nil {
		return audit.SignedSeal{}, false, err
	}
	if !theirs.SameChain(seal) {
		return audit.SignedSeal{}, false, fmt.Errorf("the seal of %s stored meanwhile seals another chain (%d events, root %s) than this run read (%d events, root %s)",
			day, theirs.Count, theirs.Root, seal.Count, seal.Root)
	}
	return stored, false, nil
}
