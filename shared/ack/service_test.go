package ack

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/catalog/load"
	"github.com/attest-oss/attest/shared/roster"
)

// memStore is a Store in memory, keeping the contract: the first view of a
// version in a cycle is kept, and one acknowledgment per policy and cycle.
type memStore struct {
	views  map[string]View
	acks   map[string]Acknowledgment
	events []audit.Event
}

func newMemStore() *memStore {
	return &memStore{views: map[string]View{}, acks: map[string]Acknowledgment{}}
}

func (m *memStore) RecordPolicyView(_ context.Context, v View) error {
	k := v.EmployeeID + "/" + v.PolicyID + "/" + v.Cycle + "/" + v.VersionSHA256
	if _, ok := m.views[k]; !ok {
		m.views[k] = v
	}
	return nil
}

func (m *memStore) PolicyView(_ context.Context, employeeID, policyID, cycle, sha256 string) (View, bool, error) {
	v, ok := m.views[employeeID+"/"+policyID+"/"+cycle+"/"+sha256]
	return v, ok, nil
}

func (m *memStore) Acknowledgment(_ context.Context, employeeID, policyID, cycle string) (Acknowledgment, bool, error) {
	a, ok := m.acks[employeeID+"/"+policyID+"/"+cycle]
	return a, ok, nil
}

func (m *memStore) Acknowledgments(_ context.Context, employeeID string) ([]Acknowledgment, error) {
	var out []Acknowledgment
	for _, a := range m.acks {
		if a.EmployeeID == employeeID {
			out = append(out, a)
		}
	}
	return out, nil
}

func (m *memStore) PutAcknowledgment(_ context.Context, a Acknowledgment, event audit.Event) (Acknowledgment, bool, error) {
	k := a.EmployeeID + "/" + a.PolicyID + "/" + a.Cycle
	if old, ok := m.acks[k]; ok {
		return old, false, nil
	}
	m.acks[k] = a
	m.events = append(m.events, event)
	return a, true, nil
}

// TestReadingTimeGate walks one person through the engagement gate with a
// moved clock: a policy must have been open for its minimum reading time
// in the current cycle, counted from the first view of the version, before
// it can be acknowledged; a new cycle asks again.
func TestReadingTimeGate(t *testing.T) {
	t.Parallel()
	cat, err := load.Load(fstest.MapFS{
		"curricula.yaml":      {Data: []byte("roles:\n  base:\n    description: Everyone.\n    policies: [slow, instant]\n")},
		"policies/slow.md":    {Data: []byte("---\nid: slow\ntitle: Slow\nversion: 1.2.0\nsummary: Read it.\nmin_read_seconds: 60\n---\n\nText.\n")},
		"policies/instant.md": {Data: []byte("---\nid: instant\ntitle: Instant\nversion: 2.0.0\nsummary: Glance.\nmin_read_seconds: 0\n---\n\nText.\n")},
	})
	if err != nil {
		t.Fatal(err)
	}
	slow, instant := cat.Policies["slow"], cat.Policies["instant"]
	tokyo, err := time.LoadLocation("Asia/Tokyo")
	if err != nil {
		t.Fatal(err)
	}
	// 14:59 UTC on 31 December is 23:59 in Tokyo: a minute before the next cycle.
	t0 := time.Date(2026, 12, 31, 14, 0, 0, 0, time.UTC)
	now := t0
	store := newMemStore()
	s := &Service{Store: store, Catalog: cat, Now: func() time.Time { return now }}
	who := roster.Person{EmployeeID: "P1", Name: "Pat", Roles: []string{"base"}, TimeZone: tokyo.String()}

	steps := []struct {
		name   string
		at     time.Duration // after t0
		open   string        // opens this policy instead of acknowledging
		policy *catalog.Policy
		sha    string // the version acknowledged; the policy's when empty
		// want is the error's code and a part of its message, or the cycle
		// of the acknowledgment and whether it was created.
		code    apperr.Code
		message string
		cycle   string
		created bool
	}{
		{name: "NeverOpened", at: 0, policy: slow, code: apperr.Invalid, message: "read the policy for at least 60 seconds first"},
		{name: "NeverOpenedWithoutMinimum", at: 0, policy: instant, code: apperr.Invalid, message: "open and read the policy first"},
		{name: "Open", at: 0, open: "slow"},
		{name: "TooSoon", at: 30 * time.Second, policy: slow, code: apperr.Invalid, message: "(30 seconds to go)"},
		{name: "PartSecondsRoundUp", at: 59*time.Second + 100*time.Millisecond, policy: slow, code: apperr.Invalid, message: "(1 seconds to go)"},
		{name: "OpeningAgainDoesNotRestartTheClock", at: 59*time.Second + 500*time.Millisecond, open: "slow"},
		{name: "StaleVersion", at: 60 * time.Second, policy: slow, sha: strings.Repeat("0", 64), code: apperr.Conflict, message: "the policy changed"},
		{name: "LongEnough", at: 60 * time.Second, policy: slow, cycle: "2026", created: true},
		{name: "RepeatInTheCycle", at: 90 * time.Second, policy: slow, cycle: "2026", created: false},
		{name: "NewCycleAsksAgain", at: 61 * time.Minute, policy: slow, code: apperr.Invalid, message: "read the policy for at least 60 seconds first"},
		{name: "OpenInTheNewCycle", at: 61 * time.Minute, open: "slow"},
		{name: "NewCycleLongEnough", at: 62 * time.Minute, policy: slow, cycle: "2027", created: true},
		{name: "OpenWithoutMinimum", at: 62 * time.Minute, open: "instant"},
		{name: "NoMinimumOnceOpened", at: 62 * time.Minute, policy: instant, cycle: "2027-v2", created: true},
	}
	ctx := context.Background()
	for _, st := range steps {
		now = t0.Add(st.at)
		if st.open != "" {
			if _, err := s.Open(ctx, who, st.open); err != nil {
				t.Fatalf("%s: open: %v", st.name, err)
			}
			continue
		}
		sha := st.sha
		if sha == "" {
			sha = st.policy.SHA256
		}
		before := len(store.events)
		a, created, err := s.Acknowledge(ctx, Request{Person: who, PolicyID: st.policy.ID, TypedName: " Pat ", VersionSHA256: sha, Source: "192.0.2.1"})
		if st.code != "" {
			if apperr.CodeOf(err) != st.code || !strings.Contains(err.Error(), st.message) {
				t.Errorf("%s: got %v, want %s containing %q", st.name, err, st.code, st.message)
			}
			if len(store.events) != before {
				t.Errorf("%s: a refused acknowledgment was stored", st.name)
			}
			continue
		}
		if err != nil || created != st.created || a.Cycle != st.cycle || a.TypedName != "Pat" || a.TextSHA256 != st.policy.SHA256 {
			t.Errorf("%s: got %+v created=%v err %v, want cycle %s created=%v", st.name, a, created, err, st.cycle, st.created)
		}
		if got := len(store.events) - before; (got == 1) != st.created {
			t.Errorf("%s: %d audit events written, created=%v", st.name, got, st.created)
		}
	}
}
