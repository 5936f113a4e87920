package agreement_test

import (
	"cmp"
	"context"
	"slices"
	"testing"

	"github.com/attest-oss/attest/shared/agreement"
	"github.com/attest-oss/attest/shared/apperr"
)

// memStore keeps agreements in memory, versioned as the real store.
type memStore struct {
	stored map[string]agreement.Agreement
	saves  [][]string // the changed fields of each save
}

func (m *memStore) Agreement(_ context.Context, key string) (agreement.Agreement, bool, error) {
	a, ok := m.stored[key]
	return a, ok, nil
}

func (m *memStore) Agreements(context.Context) ([]agreement.Agreement, error) {
	var out []agreement.Agreement
	for _, a := range m.stored {
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b agreement.Agreement) int { return cmp.Compare(a.Key, b.Key) })
	return out, nil
}

func (m *memStore) PutAgreement(_ context.Context, a agreement.Agreement, changed []string, actor string) error {
	if m.stored[a.Key].Version != a.Version {
		return apperr.New(apperr.Conflict, "changed")
	}
	a.Version++
	a.UpdatedBy = actor
	m.stored[a.Key] = a
	m.saves = append(m.saves, changed)
	return nil
}

// recorder records the engagements the engine was run for.
type recorder struct{ runs [][]string }

func (r *recorder) AssignEngagements(_ context.Context, engagements []string, _, _ string) (int, int, error) {
	r.runs = append(r.runs, slices.Clone(engagements))
	return len(engagements), 0, nil
}

func TestServicePut(t *testing.T) {
	ctx := context.Background()
	store := &memStore{stored: map[string]agreement.Agreement{}}
	eng := &recorder{}
	s := &agreement.Service{Store: store, Catalog: defaultCatalog(t), Assigner: eng}

	saved, err := s.Put(ctx, valid(), "person:E1", "ip")
	if err != nil || !saved.Created || saved.Version != 1 || saved.AssignmentsCreated != 1 {
		t.Fatalf("create: %+v %v", saved, err)
	}
	// The same terms (whatever version the caller sends): no write, the
	// engine still runs (a retry repairs a failed run).
	again := valid()
	again.Version = 7
	if saved, err := s.Put(ctx, again, "person:E1", "ip"); err != nil || saved.Created || saved.Version != 1 {
		t.Errorf("same terms: %+v %v", saved, err)
	}
	moved := valid()
	moved.Engagement = "acme-payments"
	if saved, err := s.Put(ctx, moved, "person:E2", "ip"); err != nil || saved.Created || saved.Version != 2 || saved.UpdatedBy != "person:E2" {
		t.Errorf("move: %+v %v", saved, err)
	}
	if want := [][]string{
		{"customer", "engagement", "startDate", "endDate", "obligations"}, {"engagement"},
	}; !slices.EqualFunc(store.saves, want, slices.Equal) {
		t.Errorf("saves %q, want %q", store.saves, want)
	}
	if want := [][]string{{"acme-bank"}, {"acme-bank"}, {"acme-payments", "acme-bank"}}; !slices.EqualFunc(eng.runs, want, slices.Equal) {
		t.Errorf("engine runs %q, want %q", eng.runs, want)
	}
	bad := valid()
	bad.Obligations = nil
	if _, err := s.Put(ctx, bad, "person:E1", "ip"); apperr.CodeOf(err) != apperr.Invalid || len(eng.runs) != 3 {
		t.Errorf("invalid: %v, %d engine runs", err, len(eng.runs))
	}
}

func TestServiceScope(t *testing.T) {
	ctx := context.Background()
	other := valid()
	other.Key = "globex"
	store := &memStore{stored: map[string]agreement.Agreement{"acme-2026": valid(), "globex": other}}
	s := &agreement.Service{Store: store, Catalog: defaultCatalog(t), Assigner: &recorder{}}
	keys := func(as []agreement.Agreement) []string {
		var out []string
		for _, a := range as {
			out = append(out, a.Key)
		}
		return out
	}
	for _, tt := range []struct {
		scope string
		list  []string
		get   map[string]apperr.Code // "" for found
	}{
		{"", []string{"acme-2026", "globex"}, map[string]apperr.Code{"acme-2026": "", "initech": apperr.NotFound, "Bad Key": apperr.NotFound}},
		{"globex", []string{"globex"}, map[string]apperr.Code{"globex": "", "acme-2026": apperr.Forbidden, "initech": apperr.Forbidden}},
		{"gone", nil, map[string]apperr.Code{"gone": apperr.NotFound}},
	} {
		as, err := s.List(ctx, tt.scope)
		if err != nil || !slices.Equal(keys(as), tt.list) {
			t.Errorf("scope %q: list %q %v, want %q", tt.scope, keys(as), err, tt.list)
		}
		for key, want := range tt.get {
			_, err := s.Get(ctx, key, tt.scope)
			var got apperr.Code
			if err != nil {
				got = apperr.CodeOf(err)
			}
			if got != want {
				t.Errorf("scope %q: get %q: %v, want %q", tt.scope, key, err, want)
			}
		}
	}
}
