package catalog_test

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/attest-oss/attest/shared/catalog"
)

// TestDefault checks the content shipped in package content: it must load,
// be complete, and meet the minimum size and quiz rules for training
// material.
func TestDefault(t *testing.T) {
	c, err := catalog.Default()
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := catalog.Default(); again != c {
		t.Error("Default returned a different catalog on the second call")
	}

	wantModules := []string{
		"access-control", "business-continuity", "data-privacy", "encryption-classification", "globex-patient-data",
		"incident-reporting", "manager-accountability", "secure-development", "security-awareness", "third-party-security",
	}
	// Customer-specific modules: no role gives them; a customer agreement
	// requires them of the people on its engagement.
	customerModules := []string{"globex-patient-data"}
	if got := slices.Sorted(maps.Keys(c.Modules)); !slices.Equal(got, wantModules) {
		t.Errorf("modules: got %v, want %v", got, wantModules)
	}
	wantPolicies := []string{"acceptable-use", "confidentiality-data-protection", "incident-reporting-policy"}
	if got := slices.Sorted(maps.Keys(c.Policies)); !slices.Equal(got, wantPolicies) {
		t.Errorf("policies: got %v, want %v", got, wantPolicies)
	}

	for id, m := range c.Modules {
		t.Run("Module/"+id, func(t *testing.T) {
			if n := len(strings.Fields(m.Body)); n < 400 {
				t.Errorf("body has %d words, want at least 400", n)
			}
			if n := len(m.Questions); n < 5 {
				t.Errorf("%d questions, want at least 5", n)
			}
			longest := 0
			for _, q := range m.Questions {
				if n := len(q.Options); n < 3 || n > 4 {
					t.Errorf("question %s has %d options, want 3 or 4", q.ID, n)
				}
				if correctIsLongest(q) {
					longest++
				}
			}
			// A quiz whose right answers are the longest options can be
			// passed without reading the module.
			if longest*2 > len(m.Questions) {
				t.Errorf("the correct option is the longest in %d of %d questions, want at most half", longest, len(m.Questions))
			}
		})
	}
	for id, p := range c.Policies {
		if n := len(strings.Fields(p.Body)); n < 300 {
			t.Errorf("policy %s: body has %d words, want at least 300", id, n)
		}
	}

	allStaff := []string{"access-control", "data-privacy", "incident-reporting", "security-awareness"}
	roles := []struct {
		key  string
		want []string // modules besides those of all-staff
	}{
		{"all-staff", nil},
		{"engineer", []string{"encryption-classification", "secure-development"}},
		{"support", []string{"encryption-classification"}},
		{"manager", []string{"business-continuity", "manager-accountability"}},
		{"contractor", []string{"third-party-security"}},
		{"subcontractor", []string{"third-party-security"}},
	}
	for _, r := range roles {
		t.Run("Role/"+r.key, func(t *testing.T) {
			if !c.HasRole(r.key) {
				t.Fatal("role missing")
			}
			mods, pols := c.ItemsForRoles([]string{r.key})
			var gotMods, gotPols []string
			for _, m := range mods {
				gotMods = append(gotMods, m.ID)
			}
			for _, p := range pols {
				gotPols = append(gotPols, p.ID)
			}
			for _, id := range append(slices.Clone(allStaff), r.want...) {
				if !slices.Contains(gotMods, id) {
					t.Errorf("modules %v lack %s", gotMods, id)
				}
			}
			if !slices.Equal(gotPols, wantPolicies) {
				t.Errorf("policies: got %v, want %v", gotPols, wantPolicies)
			}
		})
	}

	assigned := make(map[string]bool)
	mods, _ := c.ItemsForRoles(slices.Collect(maps.Keys(c.Roles)))
	for _, m := range mods {
		assigned[m.ID] = true
	}
	for id := range c.Modules {
		if customer := slices.Contains(customerModules, id); assigned[id] == customer {
			t.Errorf("module %s: assigned to a role %v, customer-specific %v", id, assigned[id], customer)
		}
	}
}

// correctIsLongest reports whether q's correct option is strictly longer
// than every other option.
func correctIsLongest(q catalog.Question) bool {
	var correct int
	for _, o := range q.Options {
		if o.ID == q.Correct {
			correct = len(o.Text)
		}
	}
	for _, o := range q.Options {
		if o.ID != q.Correct && len(o.Text) >= correct {
			return false
		}
	}
	return true
}
