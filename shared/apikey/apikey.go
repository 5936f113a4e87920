// Package apikey is the use case of managing API keys: create (the key is
// shown once), list (no secrets) and revoke, each change with its audit
// event in the same transaction. The API (/api/keys), the admin console
// (/admin/keys), infra/apikey (a new deployment's first key) and make dev
// all create keys here, so every key is listed.
package apikey

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/attest-oss/attest/shared/agreement"
	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/auth"
	"github.com/attest-oss/attest/shared/identity"
)

// Limits of a key's description.
const (
	// MaxLabelLen is the longest label, in characters.
	MaxLabelLen = 100
	// MaxAgreementLen is the longest agreement key, in bytes.
	MaxAgreementLen = 64
	// MaxLifetimeYears bounds expiresOn: at most this many years from today.
	MaxLifetimeYears = 2
)

// Store keeps API keys.
type Store interface {
	// CreateAPIKey stores a new key (lookup and listing) with its audit
	// event in one transaction; Conflict if its hash or id exists.
	CreateAPIKey(ctx context.Context, k auth.APIKey, event audit.Event) error
	// APIKey returns the key with the given hash, or found=false.
	APIKey(ctx context.Context, hash string) (auth.APIKey, bool, error)
	// APIKeys returns every listed key, oldest first.
	APIKeys(ctx context.Context) ([]auth.APIKey, error)
	// APIKeyByID returns the key with the given id, or found=false.
	APIKeyByID(ctx context.Context, id string) (auth.APIKey, bool, error)
	// RevokeAPIKey marks the key revoked at the given time with its audit
	// event in one transaction; Conflict if it is already revoked.
	RevokeAPIKey(ctx context.Context, k auth.APIKey, at time.Time, event audit.Event) error
}

// Request asks for a new key. ExpiresOn (YYYY-MM-DD, the last day the key
// works) and Agreement (auditor keys only) are optional.
type Request struct {
	Role      string
	Label     string
	ExpiresOn string
	Agreement string
}

// ErrNoSuchKey answers an id that names no key.
var ErrNoSuchKey = apperr.New(apperr.NotFound, "no API key with that id")

// Agreements finds customer agreements, so that an auditor key is scoped
// only to one that exists.
type Agreements interface {
	// Agreement returns the agreement with the given key, or found=false.
	Agreement(ctx context.Context, key string) (agreement.Agreement, bool, error)
}

// Service creates, lists and revokes API keys.
type Service struct {
	Store Store
	// Agreements, when set, is asked whether a key's agreement exists (a
	// deployment's first key, made before any agreement, has none to ask).
	Agreements Agreements
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
}

// Check returns the request's problems, one per field in error, or nil;
// today is the current UTC day.
func Check(req Request, today time.Time) []apperr.Problem {
	var ps []apperr.Problem
	bad := func(field, format string, args ...any) {
		ps = append(ps, apperr.Problem{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	role, ok := identity.ParseRole(req.Role)
	switch {
	case req.Role == "":
		bad("role", "is required: admin, auditor or hris")
	case !ok:
		bad("role", "must be admin, auditor or hris")
	}
	label := strings.TrimSpace(req.Label)
	switch {
	case label == "":
		bad("label", "is required: who or what the key is for")
	case !utf8.ValidString(label) || strings.ContainsFunc(label, func(r rune) bool { return !unicode.IsPrint(r) }):
		bad("label", "may hold only printable characters")
	case utf8.RuneCountInString(label) > MaxLabelLen:
		bad("label", "must be at most %d characters", MaxLabelLen)
	}
	if req.ExpiresOn != "" {
		day, err := time.Parse(time.DateOnly, req.ExpiresOn)
		latest := today.AddDate(MaxLifetimeYears, 0, 0)
		switch {
		case err != nil:
			bad("expiresOn", "must be a date YYYY-MM-DD")
		case day.Before(today):
			bad("expiresOn", "must not be in the past")
		case day.After(latest):
			bad("expiresOn", "must be at most %d years ahead (%s)", MaxLifetimeYears, latest.Format(time.DateOnly))
		}
	}
	if req.Agreement != "" {
		switch {
		case ok && role != identity.Auditor:
			bad("agreement", "is only for auditor keys")
		case len(req.Agreement) > MaxAgreementLen || strings.ContainsFunc(req.Agreement, func(r rune) bool {
			return (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') && (r < '0' || r > '9') && r != '.' && r != '_' && r != '-'
		}):
			bad("agreement", "must be an agreement key: at most %d ASCII letters, digits, \".\", \"_\" and \"-\"", MaxAgreementLen)
		}
	}
	return ps
}

// Create makes a key as req asks, by actor from source, and returns the key
// (to be shown once) and its record. Bad input is an Invalid error naming
// each field in error, and nothing is written.
func (s *Service) Create(ctx context.Context, req Request, actor, source string) (key string, rec auth.APIKey, err error) {
	return s.create(ctx, "", req, actor, source)
}

// Adopt stores a key its holder chose (make dev's DEV_API_KEY) as req says,
// like Create; a key already stored is left as it is (created=false).
func (s *Service) Adopt(ctx context.Context, key string, req Request, actor, source string) (created bool, err error) {
	_, found, err := s.Store.APIKey(ctx, auth.HashSecret(key))
	if err != nil || found {
		return false, err
	}
	_, _, err = s.create(ctx, key, req, actor, source)
	return err == nil, err
}

// create stores a new key as req asks: the given one, or a fresh one when
// given is empty.
func (s *Service) create(ctx context.Context, given string, req Request, actor, source string) (key string, rec auth.APIKey, err error) {
	now := s.now().UTC()
	if ps := Check(req, now.Truncate(24*time.Hour)); len(ps) > 0 {
		msgs := make([]string, len(ps))
		for i, p := range ps {
			msgs[i] = p.String()
		}
		return "", auth.APIKey{}, apperr.InvalidWith(strings.Join(msgs, "; "), ps)
	}
	if req.Agreement != "" && s.Agreements != nil {
		_, found, err := s.Agreements.Agreement(ctx, req.Agreement)
		if err != nil {
			return "", auth.APIKey{}, err
		}
		if !found {
			p := apperr.Problem{Field: "agreement", Message: "names no agreement: save the agreement first (PUT /api/agreements/{key})"}
			return "", auth.APIKey{}, apperr.InvalidWith(p.String(), []apperr.Problem{p})
		}
	}
	role, _ := identity.ParseRole(req.Role)
	key, rec = auth.NewAPIKey(role, strings.TrimSpace(req.Label), now)
	if given != "" {
		key, rec.Hash = given, auth.HashSecret(given)
	}
	rec.CreatedBy, rec.ExpiresOn, rec.Agreement = actor, req.ExpiresOn, req.Agreement
	details := map[string]any{"role": string(rec.Role), "label": rec.Label}
	if rec.ExpiresOn != "" {
		details["expiresOn"] = rec.ExpiresOn
	}
	if rec.Agreement != "" {
		details["agreement"] = rec.Agreement
	}
	event := audit.Event{ID: audit.NewBatchID(), At: now, Actor: actor, Action: audit.ActionAPIKeyCreated,
		Subject: identity.APIKeyRef(rec.ID), Source: source, Details: details}
	if err := s.Store.CreateAPIKey(ctx, rec, event); err != nil {
		return "", auth.APIKey{}, err
	}
	return key, rec, nil
}

// List returns every key, oldest first, without secrets.
func (s *Service) List(ctx context.Context) ([]auth.APIKey, error) {
	return s.Store.APIKeys(ctx)
}

// Revoke revokes the key with the given id at once, by actor from source,
// and returns it as stored. Revoking a revoked key changes nothing and
// returns it as it is (revocation is idempotent); an unknown id is
// ErrNoSuchKey.
func (s *Service) Revoke(ctx context.Context, id, actor, source string) (auth.APIKey, error) {
	if !auth.IsAPIKeyID(id) {
		return auth.APIKey{}, ErrNoSuchKey
	}
	k, found, err := s.Store.APIKeyByID(ctx, id)
	if err != nil {
		return auth.APIKey{}, err
	}
	if !found {
		return auth.APIKey{}, ErrNoSuchKey
	}
	if k.Revoked() {
		return k, nil
	}
	now := s.now().UTC().Truncate(time.Second)
	event := audit.Event{ID: audit.NewBatchID(), At: now, Actor: actor, Action: audit.ActionAPIKeyRevoked,
		Subject: identity.APIKeyRef(k.ID), Source: source, Details: map[string]any{"role": string(k.Role), "label": k.Label}}
	err = s.Store.RevokeAPIKey(ctx, k, now, event)
	if apperr.CodeOf(err) == apperr.Conflict {
		// Revoked meanwhile by someone else: the same outcome.
		if again, found, err2 := s.Store.APIKeyByID(ctx, id); err2 == nil && found && again.Revoked() {
			return again, nil
		}
	}
	if err != nil {
		return auth.APIKey{}, err
	}
	k.RevokedAt = now
	return k, nil
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}
