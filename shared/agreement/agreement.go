// Package agreement holds customer agreements: the engagement whose people
// they cover, their dates, and their obligations (training of listed modules
// or acknowledgment of listed policies within a number of days, against a
// target rate). It imports no AWS package.
package agreement

import (
	"slices"
	"strings"
	"time"
)

// Kinds of obligation.
const (
	KindTraining       = "training"
	KindAcknowledgment = "acknowledgment"
)

// Agreement is one customer agreement as the compliance officer records it.
type Agreement struct {
	Key        string `json:"key"`
	Customer   string `json:"customer"`
	Engagement string `json:"engagement"`
	// StartDate and EndDate (YYYY-MM-DD, EndDate optional) bound the days
	// the agreement is in force.
	StartDate   string       `json:"startDate"`
	EndDate     string       `json:"endDate,omitempty"`
	Obligations []Obligation `json:"obligations"`
	// Version is the optimistic-locking counter of the stored agreement.
	Version int `json:"version"`
	// UpdatedAt and UpdatedBy (an audit actor) say who saved it last.
	UpdatedAt time.Time `json:"updatedAt,omitzero"`
	UpdatedBy string    `json:"updatedBy,omitempty"`
}

// Obligation is one clause of an agreement.
type Obligation struct {
	// ID is the clause number ("4.2").
	ID   string `json:"id"`
	Text string `json:"text"`
	Kind string `json:"kind"`
	// Items are "module:<id>" for training, "policy:<id>" for acknowledgment.
	Items []string `json:"items"`
	// WithinDays is the deadline: that many days after the person joined the
	// engagement or was assigned the item, whichever is later.
	WithinDays int `json:"withinDays"`
	// Target is the rate (0..1) the figure must reach for the obligation to
	// be met.
	Target float64 `json:"target"`
}

// InForceOn reports whether the agreement is in force on day (YYYY-MM-DD).
func (a Agreement) InForceOn(day string) bool {
	return a.StartDate <= day && (a.EndDate == "" || day <= a.EndDate)
}

// SameTerms reports whether a and b say the same thing: everything but the
// stored version and who saved it when.
func (a Agreement) SameTerms(b Agreement) bool {
	return len(a.Changed(b)) == 0
}

// Changed returns the names of the fields whose values differ between a and
// b, in the order of the JSON body ("customer", "engagement", "startDate",
// "endDate", "obligations"); nil when the terms are the same.
func (a Agreement) Changed(b Agreement) []string {
	var out []string
	for _, f := range []struct {
		name string
		same bool
	}{
		{"customer", a.Customer == b.Customer},
		{"engagement", a.Engagement == b.Engagement},
		{"startDate", a.StartDate == b.StartDate},
		{"endDate", a.EndDate == b.EndDate},
		{"obligations", slices.EqualFunc(a.Obligations, b.Obligations, Obligation.equal)},
	} {
		if !f.same {
			out = append(out, f.name)
		}
	}
	return out
}

func (o Obligation) equal(p Obligation) bool {
	return o.ID == p.ID && o.Text == p.Text && o.Kind == p.Kind && slices.Equal(o.Items, p.Items) &&
		o.WithinDays == p.WithinDays && o.Target == p.Target
}

// Modules returns the ids of the modules a training obligation lists; nil
// for an acknowledgment obligation.
func (o Obligation) Modules() []string {
	if o.Kind != KindTraining {
		return nil
	}
	var ids []string
	for _, item := range o.Items {
		if id, ok := strings.CutPrefix(item, ModulePrefix); ok {
			ids = append(ids, id)
		}
	}
	return ids
}

// InForce returns the agreements in force on day (YYYY-MM-DD), in the order
// given.
func InForce(agreements []Agreement, day string) []Agreement {
	var out []Agreement
	for _, a := range agreements {
		if a.InForceOn(day) {
			out = append(out, a)
		}
	}
	return out
}

// RequiredModules returns the modules that the training obligations of the
// agreements in force on day require of someone holding engagements, each
// with its deadline in days: the smallest WithinDays of the obligations
// listing it. It returns nil when none does.
func RequiredModules(agreements []Agreement, engagements []string, day string) map[string]int {
	var out map[string]int
	for _, a := range agreements {
		if !a.InForceOn(day) || !slices.Contains(engagements, a.Engagement) {
			continue
		}
		for _, o := range a.Obligations {
			for _, id := range o.Modules() {
				if out == nil {
					out = map[string]int{}
				}
				if d, ok := out[id]; !ok || o.WithinDays < d {
					out[id] = o.WithinDays
				}
			}
		}
	}
	return out
}
