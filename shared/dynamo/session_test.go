package dynamo_test

import (
	"context"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/auth"
)

// TestSessionAndPerson reads the session and the person in one call, as
// Session and GetPerson read them one by one.
func TestSessionAndPerson(t *testing.T) {
	t.Parallel()
	now := t0
	s, _, _ := newStore(t, &now)
	ctx := context.Background()
	create(t, s, alice())
	token, tok := auth.NewSignInToken("E1", auth.LinkSignIn, now)
	ev := audit.Event{ID: audit.NewBatchID(), At: now, Actor: "test", Action: audit.ActionSignInLinkSent, Subject: "person#E1"}
	if err := s.PutSignInToken(ctx, tok, ev); err != nil {
		t.Fatal(err)
	}
	id, sess := auth.NewSession("E1", now)
	ev.ID, ev.Action = audit.NewBatchID(), audit.ActionSignIn
	if err := s.ConsumeSignInToken(ctx, auth.HashSecret(token), sess, ev); err != nil {
		t.Fatal(err)
	}
	hash := auth.HashSecret(id)

	check := func(name, hash, employeeID string, wantSess, wantPerson bool) {
		t.Helper()
		got, sessFound, rec, personFound, err := s.SessionAndPerson(ctx, hash, employeeID)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		oneSess, oneFound, err := s.Session(ctx, hash)
		if err != nil {
			t.Fatal(err)
		}
		onePerson, onePersonFound, err := s.GetPerson(ctx, employeeID)
		if err != nil {
			t.Fatal(err)
		}
		if sessFound != wantSess || personFound != wantPerson || sessFound != oneFound || personFound != onePersonFound {
			t.Errorf("%s: session found %v, person found %v; want %v, %v (one by one: %v, %v)", name, sessFound, personFound, wantSess, wantPerson, oneFound, onePersonFound)
		}
		if got.Hash != oneSess.Hash || got.EmployeeID != oneSess.EmployeeID || !got.CreatedAt.Equal(oneSess.CreatedAt) || got.CSRFToken != oneSess.CSRFToken {
			t.Errorf("%s: session %+v, one by one %+v", name, got, oneSess)
		}
		if rec.EmployeeID != onePerson.EmployeeID || rec.Email != onePerson.Email || rec.Name != onePerson.Name {
			t.Errorf("%s: person %+v, one by one %+v", name, rec, onePerson)
		}
	}
	check("both", hash, "E1", true, true)
	check("another person", hash, "E9", true, false)
	check("no session", auth.HashSecret("nope"), "E1", false, true)
	now = now.Add(auth.SessionIdleTTL + time.Minute)
	check("idle session", hash, "E1", false, true)
}
