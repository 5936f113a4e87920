package auditlog_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/auditlog"
	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/dynamo"
	"github.com/attest-oss/attest/shared/signing"
	"github.com/attest-oss/attest/shared/table"
)

func TestMain(m *testing.M) { devtest.Main(m) }

// env is a table of its own on DynamoDB Local, its store, a local evidence
// key and a clock the test moves.
type env struct {
	t      *testing.T
	client *dynamodb.Client
	table  string
	store  *dynamo.Store
	signer *signing.Local
	now    time.Time
	mu     sync.Mutex
}

func newEnv(t *testing.T, now time.Time) *env {
	t.Helper()
	client := devtest.Shared(t).DynamoClient()
	e := &env{t: t, client: client, table: devtest.Table(t, client, "auditlog"), now: now}
	e.store = dynamo.New(client, e.table, e.clock)
	var err error
	if e.signer, err = signing.NewLocal(); err != nil {
		t.Fatal(err)
	}
	return e
}

func (e *env) clock() time.Time {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.now
}

func (e *env) setNow(t time.Time) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.now = t
}

func (e *env) sealer() *auditlog.Sealer {
	return &auditlog.Sealer{Store: e.store, Signer: e.signer, Now: e.clock}
}

func (e *env) verifier() *auditlog.Verifier {
	return &auditlog.Verifier{Store: e.store, Key: e.signer, Now: e.clock}
}

// put writes an event through the store, as every writer does.
func (e *env) put(ev audit.Event) audit.Event {
	e.t.Helper()
	if err := e.store.PutAuditEvent(context.Background(), ev); err != nil {
		e.t.Fatal(err)
	}
	return ev
}

func (e *env) seal() int {
	e.t.Helper()
	n, err := e.sealer().SealThrough(context.Background())
	if err != nil {
		e.t.Fatalf("SealThrough: %v", err)
	}
	return n
}

func (e *env) verify(from, to string) auditlog.Verification {
	e.t.Helper()
	v, err := e.verifier().Verify(context.Background(), from, to)
	if err != nil {
		e.t.Fatalf("Verify(%s, %s): %v", from, to, err)
	}
	return v
}

// key is the table key of an event or seal.
func key(pk, sk string) map[string]types.AttributeValue {
	return map[string]types.AttributeValue{
		table.PartitionKey: &types.AttributeValueMemberS{Value: pk},
		table.SortKey:      &types.AttributeValueMemberS{Value: sk},
	}
}

func eventKey(ev audit.Event) map[string]types.AttributeValue {
	return key(table.AuditPK(ev.Day()), table.AuditSK(ev.SortTime(), ev.ID))
}

var day1 = time.Date(2026, 10, 5, 0, 0, 0, 0, time.UTC)

// history writes three events on each of 5-7 October 2026, with details
// of every kind, and returns them by day.
func (e *env) history() map[string][]audit.Event {
	out := map[string][]audit.Event{}
	for d := range 3 {
		for i := range 3 {
			ev := e.put(audit.Event{ID: fmt.Sprintf("ev-%d-%d", d, i), At: day1.AddDate(0, 0, d).Add(time.Duration(i)*time.Hour + 123456789),
				Actor: "person:E1", Action: audit.ActionPersonUpdated, Subject: "person#E2", Source: "192.0.2.1",
				Details: map[string]any{"revision": i + 1, "fields": []string{"name"}, "note": "Zoë <b>&</b>", "ratio": 0.25}})
			out[ev.Day()] = append(out[ev.Day()], ev)
		}
	}
	e.put(audit.Event{ID: "ev-empty", At: day1.Add(20 * time.Hour), Actor: "schedule", Action: audit.ActionSignOut, Subject: "person#E1", Details: map[string]any{}})
	return out
}

// TestSealThenVerify: the first run seals from the genesis (the start of
// the quarter holding the day 31 days back),
// one seal per day, empty days included; the next run seals nothing new;
// the log verifies, and a day not past the grace period is unsealed, not
// broken.
func TestSealThenVerify(t *testing.T) {
	t.Parallel()
	e := newEnv(t, time.Date(2026, 10, 8, 0, 30, 0, 0, time.UTC))
	e.history()
	if n := e.seal(); n != 98 { // 2026-07-01 (the quarter of 7 September, 31 days back) through 6 October
		t.Errorf("first run sealed %d days, want 98", n)
	}
	if n := e.seal(); n != 0 {
		t.Errorf("a second run sealed %d days, want none", n)
	}
	e.setNow(time.Date(2026, 10, 8, 1, 0, 0, 0, time.UTC))
	if n := e.seal(); n != 1 {
		t.Errorf("after the grace period the run sealed %d days, want 7 October", n)
	}
	got := e.verify("2026-10-05", "2026-10-08")
	want := auditlog.Verification{OK: true, Events: 10, Days: 4, SealedDays: 3, UnsealedDays: 1}
	if got != want {
		t.Errorf("Verify = %+v, want %+v", got, want)
	}
	seals, err := e.store.Seals(context.Background(), "2026-06-01", "2026-10-31")
	if err != nil || len(seals) != 99 || seals[0].Day != "2026-07-01" || seals[98].Day != "2026-10-07" {
		t.Fatalf("%d seals (%v), want 1 July to 7 October", len(seals), err)
	}
	s, err := seals[96].Parse() // 5 October
	if err != nil || s.Count != 4 || s.KeyID != "local" || s.Prev != seals[95].Digest() {
		t.Errorf("seal of 5 October %+v %v: want 4 events, linked to 4 October's seal", s, err)
	}
	if g, _ := seals[0].Parse(); g.Prev != audit.GenesisPrev {
		t.Errorf("the first seal's prev is %s, want the genesis", g.Prev)
	}
	// Days before the first seal are not broken, only unsealed.
	if got := e.verify("2026-06-25", "2026-07-04"); !got.OK || got.UnsealedDays != 6 || got.SealedDays != 4 {
		t.Errorf("Verify before the genesis = %+v, want ok with 6 unsealed days", got)
	}
}

// TestVerifyNamesTheFirstBrokenLink tampers with a sealed log as someone
// with write access to the table would, through the SDK, and sees Verify
// name what broke.
func TestVerifyNamesTheFirstBrokenLink(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tt := range []struct {
		name       string
		tamper     func(e *env, byDay map[string][]audit.Event)
		from       string
		wantDay    string
		wantEvent  string
		wantReason string
	}{
		{"event details changed", func(e *env, byDay map[string][]audit.Event) {
			e.update(byDay["2026-10-06"][1], "SET details.#k = :v", map[string]string{"#k": "revision"}, &types.AttributeValueMemberN{Value: "7"})
		}, "2026-10-05", "2026-10-06", "ev-1-1", "does not match the hash"},
		{"event changed with its hash recomputed", func(e *env, byDay map[string][]audit.Event) {
			ev := byDay["2026-10-06"][2]
			ev.Actor = "person:E9"
			e.update(ev, "SET actor = :v, #k = :h", map[string]string{"#k": "hash"}, &types.AttributeValueMemberS{Value: "person:E9"},
				&types.AttributeValueMemberS{Value: audit.Hash(ev)})
		}, "2026-10-05", "2026-10-06", "ev-1-0", "do not chain to its seal's root"},
		{"event deleted", func(e *env, byDay map[string][]audit.Event) {
			e.delete(eventKey(byDay["2026-10-07"][0]))
		}, "2026-10-05", "2026-10-07", "ev-2-1", "do not chain to its seal's root"},
		{"event added", func(e *env, byDay map[string][]audit.Event) {
			e.put(audit.Event{ID: "late", At: day1.Add(time.Hour), Actor: "x", Action: "x", Subject: "x"})
		}, "2026-10-05", "2026-10-05", "ev-0-0", "do not chain to its seal's root"},
		{"seal forged", func(e *env, _ map[string][]audit.Event) {
			s, _, _ := e.store.Seal(ctx, "2026-10-06")
			e.putRaw(strings.Replace(string(s.Bytes), `"count":3`, `"count":2`, 1), s.Signature, "2026-10-06")
		}, "2026-10-05", "2026-10-06", "", "signature does not verify"},
		{"seal signed with another key", func(e *env, _ map[string][]audit.Event) {
			other, _ := signing.NewLocal()
			s, _, _ := e.store.Seal(ctx, "2026-10-06")
			sig, _ := signing.SignMessage(ctx, other, s.Bytes)
			e.putRaw(string(s.Bytes), sig, "2026-10-06")
		}, "2026-10-05", "2026-10-06", "", "signature does not verify"},
		{"seal deleted", func(e *env, _ map[string][]audit.Event) {
			e.delete(key(table.SealsPK, "2026-10-06"))
		}, "2026-10-05", "2026-10-06", "", "has no seal"},
		{"seal deleted, range from the day after", func(e *env, _ map[string][]audit.Event) {
			e.delete(key(table.SealsPK, "2026-10-06"))
		}, "2026-10-07", "2026-10-07", "", "previous day's seal is missing"},
		{"genesis seal deleted", func(e *env, _ map[string][]audit.Event) {
			e.delete(key(table.SealsPK, "2026-07-01"))
		}, "2026-07-02", "2026-07-02", "", "seals before it were deleted"},
		{"every seal deleted", func(e *env, _ map[string][]audit.Event) {
			seals, _ := e.store.Seals(ctx, "2026-07-01", "2026-10-31")
			for _, s := range seals {
				e.delete(key(table.SealsPK, s.Day))
			}
		}, "2026-10-05", "2026-10-05", "", "never sealed"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, time.Date(2026, 10, 8, 3, 0, 0, 0, time.UTC))
			byDay := e.history()
			e.seal()
			if v := e.verify(tt.from, "2026-10-08"); !v.OK {
				t.Fatalf("before tampering: %+v", v.FirstBroken)
			}
			tt.tamper(e, byDay)
			v := e.verify(tt.from, "2026-10-08")
			b := v.FirstBroken
			if v.OK || b == nil || b.Day != tt.wantDay || b.EventID != tt.wantEvent || !strings.Contains(b.Reason, tt.wantReason) {
				t.Errorf("Verify = %+v, first broken %+v; want %s %q: %q", v, b, tt.wantDay, tt.wantEvent, tt.wantReason)
			}
		})
	}
}

func (e *env) update(ev audit.Event, expr string, names map[string]string, values ...types.AttributeValue) {
	e.t.Helper()
	vals := map[string]types.AttributeValue{":v": values[0]}
	if len(values) > 1 {
		vals[":h"] = values[1]
	}
	if _, err := e.client.UpdateItem(context.Background(), &dynamodb.UpdateItemInput{TableName: aws.String(e.table), Key: eventKey(ev),
		UpdateExpression: aws.String(expr), ExpressionAttributeNames: names, ExpressionAttributeValues: vals,
		ConditionExpression: aws.String("attribute_exists(PK)")}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) delete(k map[string]types.AttributeValue) {
	e.t.Helper()
	if _, err := e.client.DeleteItem(context.Background(), &dynamodb.DeleteItemInput{TableName: aws.String(e.table), Key: k,
		ConditionExpression: aws.String("attribute_exists(PK)")}); err != nil {
		e.t.Fatal(err)
	}
}

// putRaw overwrites a day's seal item with other bytes or signature.
func (e *env) putRaw(seal string, sig []byte, day string) {
	e.t.Helper()
	item := key(table.SealsPK, day)
	item["type"] = &types.AttributeValueMemberS{Value: table.TypeAuditSeal}
	item["seal"] = &types.AttributeValueMemberS{Value: seal}
	item["signature"] = &types.AttributeValueMemberB{Value: sig}
	if _, err := e.client.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(e.table), Item: item}); err != nil {
		e.t.Fatal(err)
	}
}

// TestVerifyWithoutAKey: with seals to check and no evidence key, Verify
// says so; a range with no seal needs none.
func TestVerifyWithoutAKey(t *testing.T) {
	t.Parallel()
	e := newEnv(t, time.Date(2026, 10, 8, 3, 0, 0, 0, time.UTC))
	e.history()
	e.seal()
	v := &auditlog.Verifier{Store: e.store, Now: e.clock}
	if _, err := v.Verify(context.Background(), "2026-10-05", "2026-10-06"); !errors.Is(err, auditlog.ErrNoKey) || !strings.Contains(err.Error(), "no evidence key configured") {
		t.Errorf("Verify without a key: %v, want %v", err, auditlog.ErrNoKey)
	}
	if got, err := v.Verify(context.Background(), "2026-10-08", "2026-10-08"); err != nil || !got.OK {
		t.Errorf("Verify of today without a key: %+v %v, want ok", got, err)
	}
}

func TestVerifyValidatesTheRange(t *testing.T) {
	t.Parallel()
	v := &auditlog.Verifier{Now: func() time.Time { return time.Date(2026, 10, 8, 3, 0, 0, 0, time.UTC) }}
	for _, tt := range []struct {
		from, to, field, message string
	}{
		{"", "2026-10-01", "from", "must be a date"},
		{"2026-10-01", "10/02/2026", "to", "must be a date"},
		{"2026-10-05", "2026-10-04", "to", "must not be before from"},
		{"2025-09-02", "2026-10-07", "to", "at most 400 days"},
		{"2026-10-01", "2026-10-09", "to", "must not be in the future"},
	} {
		_, err := v.Verify(context.Background(), tt.from, tt.to)
		e, ok := apperr.As(err)
		if !ok || e.Code != apperr.Invalid || len(e.Problems) == 0 || e.Problems[0].Field != tt.field || !strings.Contains(e.Problems[0].Message, tt.message) {
			t.Errorf("Verify(%q, %q): %v, want Invalid at %s: %s", tt.from, tt.to, err, tt.field, tt.message)
		}
	}
}

// TestConcurrentWritesNeverForkTheChain: 40 writers put audit events at
// once through the store, across midnight, while nothing serialises them;
// then two sealers run at once: every day has exactly one seal, they link,
// and the log verifies with every event.
func TestConcurrentWritesNeverForkTheChain(t *testing.T) {
	t.Parallel()
	midnight := time.Date(2026, 10, 6, 0, 0, 0, 0, time.UTC)
	e := newEnv(t, midnight)
	const writers, each = 40, 10
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				at := midnight.Add(time.Duration(w*each+i-writers*each/2) * time.Millisecond)
				errs <- e.store.PutAuditEvent(context.Background(), audit.Event{ID: fmt.Sprintf("w%02d-%02d", w, i), At: at,
					Actor: fmt.Sprintf("writer:%d", w), Action: audit.ActionSignIn, Subject: "person#E1", Details: map[string]any{"i": i}})
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	e.setNow(midnight.AddDate(0, 0, 1).Add(2 * time.Hour))
	var sealed [2]int
	var sealErr [2]error
	for i := range 2 {
		wg.Go(func() { sealed[i], sealErr[i] = e.sealer().SealThrough(context.Background()) })
	}
	wg.Wait()
	if sealErr[0] != nil || sealErr[1] != nil {
		t.Fatalf("sealers: %v, %v", sealErr[0], sealErr[1])
	}
	seals, err := e.store.Seals(context.Background(), "2026-01-01", "2026-12-31")
	if err != nil {
		t.Fatal(err)
	}
	// From the start of the quarter holding 6 September (31 days back
	// from 7 October) through 6 October.
	if len(seals) != 98 || sealed[0]+sealed[1] != 98 {
		t.Errorf("%d seals, sealers wrote %d and %d; want 98 in all, one a day", len(seals), sealed[0], sealed[1])
	}
	counts := map[string]int{}
	for i, s := range seals {
		p, err := s.Parse()
		if err != nil {
			t.Fatal(err)
		}
		counts[s.Day] = p.Count
		if i > 0 && p.Prev != seals[i-1].Digest() {
			t.Errorf("the seal of %s does not link to %s's", s.Day, seals[i-1].Day)
		}
	}
	if counts["2026-10-05"] != writers*each/2 || counts["2026-10-06"] != writers*each/2 {
		t.Errorf("sealed %d events on 5 and %d on 6 October, want %d each", counts["2026-10-05"], counts["2026-10-06"], writers*each/2)
	}
	if v := e.verify("2026-09-06", "2026-10-07"); !v.OK || v.Events != writers*each {
		t.Errorf("Verify = %+v %+v, want ok over %d events", v, v.FirstBroken, writers*each)
	}
}

// staleStore answers LastSeal as if nothing were sealed yet: a sealer that
// read before another wrote.
type staleStore struct{ *dynamo.Store }

func (staleStore) LastSeal(context.Context) (audit.SignedSeal, bool, error) {
	return audit.SignedSeal{}, false, nil
}

// TestSealerThatLosesTheRace: a sealer that read the seals before another
// sealer wrote finds every day sealed: it accepts the seals of the same
// chain, writes none and goes on from them; a stored seal of another chain
// (an event written after its day was sealed) is an error, not a fork.
func TestSealerThatLosesTheRace(t *testing.T) {
	t.Parallel()
	e := newEnv(t, time.Date(2026, 10, 8, 3, 0, 0, 0, time.UTC))
	e.history()
	e.seal()
	late := &auditlog.Sealer{Store: staleStore{e.store}, Signer: e.signer, Now: e.clock}
	if n, err := late.SealThrough(context.Background()); n != 0 || err != nil {
		t.Errorf("the late sealer wrote %d seals (%v), want none and no error", n, err)
	}
	e.put(audit.Event{ID: "late", At: day1.Add(time.Hour), Actor: "x", Action: "x", Subject: "x"})
	if _, err := late.SealThrough(context.Background()); err == nil || !strings.Contains(err.Error(), "another chain") {
		t.Errorf("sealing over a changed day: %v, want an error naming another chain", err)
	}
}
