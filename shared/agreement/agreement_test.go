package agreement_test

import (
	"maps"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/attest-oss/attest/shared/agreement"
	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/catalog"
)

func defaultCatalog(t *testing.T) *catalog.Catalog {
	t.Helper()
	cat, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// valid returns an agreement that passes validation.
func valid() agreement.Agreement {
	return agreement.Agreement{
		Key: "acme-2026", Customer: "Acme Bank plc", Engagement: "acme-bank", StartDate: "2026-01-01", EndDate: "2027-12-31",
		Obligations: []agreement.Obligation{
			{ID: "4.2", Text: "Security awareness within 30 days.", Kind: agreement.KindTraining,
				Items: []string{"module:security-awareness", "module:data-privacy"}, WithinDays: 30, Target: 0.95},
			{ID: "4.3", Text: "Acceptable use, every year.", Kind: agreement.KindAcknowledgment,
				Items: []string{"policy:acceptable-use"}, WithinDays: 14, Target: 1},
		},
	}
}

func TestValidate(t *testing.T) {
	cat := defaultCatalog(t)
	with := func(f func(a *agreement.Agreement)) agreement.Agreement {
		a := valid()
		a.Obligations = slices.Clone(a.Obligations)
		for i := range a.Obligations {
			a.Obligations[i].Items = slices.Clone(a.Obligations[i].Items)
		}
		f(&a)
		return a
	}
	tests := []struct {
		name   string
		a      agreement.Agreement
		fields []string
	}{
		{"OK", valid(), nil},
		{"OKOpenEnded", with(func(a *agreement.Agreement) { a.EndDate = "" }), nil},
		{"OKOneDay", with(func(a *agreement.Agreement) { a.EndDate = a.StartDate }), nil},
		{"OKTargetZero", with(func(a *agreement.Agreement) { a.Obligations[0].Target = 0 }), nil},
		{"OKWithin366", with(func(a *agreement.Agreement) { a.Obligations[0].WithinDays = 366 }), nil},
		{"ErrKeyEmpty", with(func(a *agreement.Agreement) { a.Key = "" }), []string{"key"}},
		{"ErrKeyUpperCase", with(func(a *agreement.Agreement) { a.Key = "Acme" }), []string{"key"}},
		{"ErrKeyLeadingDash", with(func(a *agreement.Agreement) { a.Key = "-acme" }), []string{"key"}},
		{"ErrKeyTooLong", with(func(a *agreement.Agreement) { a.Key = strings.Repeat("a", 65) }), []string{"key"}},
		{"ErrCustomerBlank", with(func(a *agreement.Agreement) { a.Customer = "  " }), []string{"customer"}},
		{"ErrCustomerTooLong", with(func(a *agreement.Agreement) { a.Customer = strings.Repeat("é", 201) }), []string{"customer"}},
		{"ErrCustomerNewline", with(func(a *agreement.Agreement) { a.Customer = "Acme\u0000" }), []string{"customer"}},
		{"ErrEngagement", with(func(a *agreement.Agreement) { a.Engagement = "acme bank" }), []string{"engagement"}},
		{"ErrEngagementTooLong", with(func(a *agreement.Agreement) { a.Engagement = strings.Repeat("a", 41) }), []string{"engagement"}},
		{"ErrStartMissing", with(func(a *agreement.Agreement) { a.StartDate = "" }), []string{"startDate"}},
		{"ErrStartNotADate", with(func(a *agreement.Agreement) { a.StartDate = "2026-02-30" }), []string{"startDate"}},
		{"ErrEndNotADate", with(func(a *agreement.Agreement) { a.EndDate = "31/12/2027" }), []string{"endDate"}},
		{"ErrEndBeforeStart", with(func(a *agreement.Agreement) { a.EndDate = "2025-12-31" }), []string{"endDate"}},
		{"ErrNoObligations", with(func(a *agreement.Agreement) { a.Obligations = nil }), []string{"obligations"}},
		{"ErrObligationIDEmpty", with(func(a *agreement.Agreement) { a.Obligations[1].ID = "" }), []string{"obligations[1].id"}},
		{"ErrObligationIDTwice", with(func(a *agreement.Agreement) { a.Obligations[1].ID = "4.2" }), []string{"obligations[1].id"}},
		{"ErrTextMissing", with(func(a *agreement.Agreement) { a.Obligations[0].Text = "" }), []string{"obligations[0].text"}},
		{"ErrKind", with(func(a *agreement.Agreement) { a.Obligations[0].Kind = "reading" }), []string{"obligations[0].kind"}},
		{"ErrNoItems", with(func(a *agreement.Agreement) { a.Obligations[0].Items = nil }), []string{"obligations[0].items"}},
		{"ErrPolicyInTraining", with(func(a *agreement.Agreement) { a.Obligations[0].Items[1] = "policy:acceptable-use" }), []string{"obligations[0].items[1]"}},
		{"ErrModuleInAcknowledgment", with(func(a *agreement.Agreement) { a.Obligations[1].Items[0] = "module:data-privacy" }), []string{"obligations[1].items[0]"}},
		{"ErrUnknownModule", with(func(a *agreement.Agreement) { a.Obligations[0].Items[0] = "module:juggling" }), []string{"obligations[0].items[0]"}},
		{"ErrUnknownPolicy", with(func(a *agreement.Agreement) { a.Obligations[1].Items[0] = "policy:dress-code" }), []string{"obligations[1].items[0]"}},
		{"ErrItemWithoutPrefix", with(func(a *agreement.Agreement) { a.Obligations[0].Items[0] = "security-awareness" }), []string{"obligations[0].items[0]"}},
		{"ErrItemTwice", with(func(a *agreement.Agreement) { a.Obligations[0].Items[1] = "module:security-awareness" }), []string{"obligations[0].items[1]"}},
		{"ErrWithinZero", with(func(a *agreement.Agreement) { a.Obligations[0].WithinDays = 0 }), []string{"obligations[0].withinDays"}},
		{"ErrWithin367", with(func(a *agreement.Agreement) { a.Obligations[0].WithinDays = 367 }), []string{"obligations[0].withinDays"}},
		{"ErrTargetAboveOne", with(func(a *agreement.Agreement) { a.Obligations[1].Target = 1.01 }), []string{"obligations[1].target"}},
		{"ErrTargetNegative", with(func(a *agreement.Agreement) { a.Obligations[1].Target = -0.1 }), []string{"obligations[1].target"}},
		{"ErrTargetNaN", with(func(a *agreement.Agreement) { a.Obligations[1].Target = math.NaN() }), []string{"obligations[1].target"}},
		{"ErrSeveral", with(func(a *agreement.Agreement) { a.Customer, a.Obligations[1].WithinDays = "", -1 }),
			[]string{"customer", "obligations[1].withinDays"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := agreement.Validate(tt.a, cat)
			var got []string
			if err != nil {
				e, ok := apperr.As(err)
				if !ok || e.Code != apperr.Invalid {
					t.Fatalf("got %v, want an Invalid error", err)
				}
				for _, p := range e.Problems {
					got = append(got, p.Field)
				}
				if !strings.HasPrefix(e.Message, got[0]+": ") {
					t.Errorf("message %q does not name the field %q first", e.Message, got[0])
				}
			}
			if !slices.Equal(got, tt.fields) {
				t.Errorf("problems about %q (%v), want %q", got, err, tt.fields)
			}
		})
	}
}

func TestInForceOn(t *testing.T) {
	a := agreement.Agreement{StartDate: "2026-01-01", EndDate: "2026-12-31"}
	open := agreement.Agreement{StartDate: "2026-01-01"}
	for _, tt := range []struct {
		a    agreement.Agreement
		day  string
		want bool
	}{
		{a, "2025-12-31", false}, {a, "2026-01-01", true}, {a, "2026-12-31", true}, {a, "2027-01-01", false},
		{open, "2099-01-01", true}, {open, "2025-12-31", false},
	} {
		if got := tt.a.InForceOn(tt.day); got != tt.want {
			t.Errorf("%+v.InForceOn(%s) = %v, want %v", tt.a, tt.day, got, tt.want)
		}
	}
}

func TestRequiredModules(t *testing.T) {
	acme := agreement.Agreement{Key: "acme", Engagement: "acme-bank", StartDate: "2026-01-01", EndDate: "2026-12-31",
		Obligations: []agreement.Obligation{
			{ID: "1", Kind: agreement.KindTraining, Items: []string{"module:acme-x", "module:security-awareness"}, WithinDays: 30},
			{ID: "2", Kind: agreement.KindTraining, Items: []string{"module:acme-x"}, WithinDays: 14},
			{ID: "3", Kind: agreement.KindAcknowledgment, Items: []string{"policy:acceptable-use"}, WithinDays: 7},
		}}
	globex := agreement.Agreement{Key: "globex", Engagement: "globex-health", StartDate: "2026-06-01",
		Obligations: []agreement.Obligation{
			{ID: "7.1", Kind: agreement.KindTraining, Items: []string{"module:globex-y", "module:acme-x"}, WithinDays: 10},
		}}
	all := []agreement.Agreement{acme, globex}
	tests := []struct {
		name        string
		engagements []string
		day         string
		want        map[string]int
	}{
		{"NoEngagement", nil, "2026-07-01", nil},
		{"OtherEngagement", []string{"initech"}, "2026-07-01", nil},
		{"SmallestDeadline", []string{"acme-bank"}, "2026-07-01", map[string]int{"acme-x": 14, "security-awareness": 30}},
		{"TwoEngagements", []string{"acme-bank", "globex-health"}, "2026-07-01", map[string]int{"acme-x": 10, "globex-y": 10, "security-awareness": 30}},
		{"BeforeStart", []string{"globex-health"}, "2026-05-31", nil},
		{"AfterEnd", []string{"acme-bank", "globex-health"}, "2027-01-01", map[string]int{"acme-x": 10, "globex-y": 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := agreement.RequiredModules(all, tt.engagements, tt.day)
			if !maps.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
	if got := agreement.InForce(all, "2026-05-31"); len(got) != 1 || got[0].Key != "acme" {
		t.Errorf("InForce = %v, want acme only", got)
	}
}

func TestChanged(t *testing.T) {
	a := valid()
	b := valid()
	b.Version, b.UpdatedBy = 3, "person:E1"
	if got := a.Changed(b); got != nil || !a.SameTerms(b) {
		t.Errorf("Changed = %q, want nil for the same terms", got)
	}
	b.Customer, b.EndDate = "Acme", ""
	b.Obligations = slices.Clone(b.Obligations)
	b.Obligations[1].Target = 0.9
	if got, want := a.Changed(b), []string{"customer", "endDate", "obligations"}; !slices.Equal(got, want) {
		t.Errorf("Changed = %q, want %q", got, want)
	}
}
