package orgconfig_test

import (
	"context"
	"testing"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/orgconfig"
	"github.com/attest-oss/attest/shared/roster"
)

// memStore keeps settings, vendors and people in memory and counts writes.
type memStore struct {
	settings orgconfig.Settings
	vendors  map[string]orgconfig.VendorRecord
	people   map[string]bool
	writes   int
}

func (m *memStore) Settings(context.Context) (orgconfig.Settings, error) { return m.settings, nil }

func (m *memStore) PutSettings(_ context.Context, st orgconfig.Settings, actor string) error {
	if st.Version != m.settings.Version {
		return apperr.New(apperr.Conflict, "changed meanwhile")
	}
	m.writes++
	st.Version++
	st.UpdatedBy = actor
	m.settings = st
	return nil
}

func (m *memStore) Vendor(_ context.Context, key string) (orgconfig.VendorRecord, bool, error) {
	v, ok := m.vendors[key]
	return v, ok, nil
}

func (m *memStore) VendorRecords(context.Context) ([]orgconfig.VendorRecord, error) { return nil, nil }

func (m *memStore) PutVendor(_ context.Context, v orgconfig.VendorRecord, actor string) error {
	if v.Version != m.vendors[v.Key].Version {
		return apperr.New(apperr.Conflict, "changed meanwhile")
	}
	m.writes++
	v.Version++
	v.UpdatedBy = actor
	m.vendors[v.Key] = v
	return nil
}

func (m *memStore) GetPerson(_ context.Context, id string) (roster.Record, bool, error) {
	return roster.Record{Person: roster.Person{EmployeeID: id}}, m.people[id], nil
}

// TestServiceChanges runs a sequence of changes against one store: a change
// that changes nothing writes nothing, a vendor's first contacts are
// created and later ones replace them, and a refused change writes nothing.
func TestServiceChanges(t *testing.T) {
	t.Parallel()
	store := &memStore{vendors: map[string]orgconfig.VendorRecord{}, people: map[string]bool{"E1": true}}
	s := &orgconfig.Service{SettingsStore: store, VendorStore: store, People: store}
	ctx := context.Background()
	pause := func(paused bool) func() (int, bool, error) {
		return func() (int, bool, error) {
			st, err := s.SetSendingPaused(ctx, paused, "admin")
			return st.Version, false, err
		}
	}
	vendor := func(contact, owner string) func() (int, bool, error) {
		return func() (int, bool, error) {
			v, created, err := s.PutVendor(ctx, orgconfig.Vendor{Key: "Northwind", ContactEmail: contact, OwnerID: owner}, "admin")
			return v.Version, created, err
		}
	}
	steps := []struct {
		name    string
		do      func() (version int, created bool, err error)
		version int
		created bool
		field   string // of an Invalid error
		writes  int    // in total after the step
	}{
		{name: "UnpauseWhatIsNotPaused", do: pause(false), version: 0, writes: 0},
		{name: "Pause", do: pause(true), version: 1, writes: 1},
		{name: "PauseAgain", do: pause(true), version: 1, writes: 1},
		{name: "FirstContacts", do: vendor("ops@northwind.example", ""), version: 1, created: true, writes: 2},
		{name: "SameContacts", do: vendor("ops@northwind.example", ""), version: 1, writes: 2},
		{name: "OwnerNotStored", do: vendor("ops@northwind.example", "E9"), field: "ownerEmployeeId", writes: 2},
		{name: "ContactNotBare", do: vendor("Ops <ops@northwind.example>", "E1"), field: "contactEmail", writes: 2},
		{name: "StoredOwner", do: vendor("ops@northwind.example", "E1"), version: 2, writes: 3},
	}
	for _, st := range steps {
		version, created, err := st.do()
		if st.field != "" {
			if e, ok := apperr.As(err); !ok || len(e.Problems) != 1 || e.Problems[0].Field != st.field {
				t.Errorf("%s: got %v, want an Invalid error about %s", st.name, err, st.field)
			}
		} else if err != nil || version != st.version || created != st.created {
			t.Errorf("%s: version %d created=%v err %v, want version %d created=%v", st.name, version, created, err, st.version, st.created)
		}
		if store.writes != st.writes {
			t.Errorf("%s: %d writes in total, want %d", st.name, store.writes, st.writes)
		}
	}
	if _, err := s.Vendor(ctx, "Globex"); apperr.CodeOf(err) != apperr.NotFound {
		t.Errorf("a vendor without contacts: %v, want NotFound", err)
	}
}
