package agreement

import (
	"fmt"
	"math"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/catalog"
)

// Limits on what an agreement may hold.
const (
	// MaxCustomerLen and MaxTextLen bound the customer's name and an
	// obligation's text, in characters.
	MaxCustomerLen = 200
	MaxTextLen     = 1000
	// MaxObligationIDLen bounds an obligation's id (a clause number), in
	// characters.
	MaxObligationIDLen = 32
	// MaxObligations and MaxItems bound an agreement's obligations and an
	// obligation's items.
	MaxObligations = 50
	MaxItems       = 50
	// MaxWithinDays is the longest deadline: a year, leap day included.
	MaxWithinDays = 366
)

// The patterns are compiled on first use, not when a function starts
// (bounded repetitions compile to large programs).
var (
	keyPattern        = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`) })
	engagementPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9-]{1,40}$`) })
)

// Item prefixes of obligations: training names modules, acknowledgment
// policies.
const (
	ModulePrefix = "module:"
	PolicyPrefix = "policy:"
)

// CheckKey checks an agreement key: 1 to 64 of a-z, 0-9 and "-", starting
// with a letter or digit.
func CheckKey(key string) error {
	if !keyPattern().MatchString(key) {
		return invalid([]apperr.Problem{{Field: "key", Message: `must be 1 to 64 letters a-z, digits or "-", starting with a letter or digit`}})
	}
	return nil
}

// Validate checks an agreement against the rules and the catalog: the key
// (see CheckKey); a customer name; the engagement key as the roster writes
// it (1 to 40 of a-z, 0-9 and "-"); startDate and the optional endDate as
// YYYY-MM-DD with endDate not before startDate; one to MaxObligations
// obligations with unique ids, each with a text, a kind, one to MaxItems
// distinct items that match the kind ("module:<id>" for training,
// "policy:<id>" for acknowledgment) and exist in cat, withinDays of 1 to
// 366 and a target of 0 to 1. It returns an Invalid error listing every
// problem, each naming its field ("obligations[1].items[0]", indices from
// 0), or nil.
func Validate(a Agreement, cat *catalog.Catalog) error {
	var ps []apperr.Problem
	add := func(field, format string, args ...any) {
		ps = append(ps, apperr.Problem{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	if err := CheckKey(a.Key); err != nil {
		e, _ := apperr.As(err)
		ps = append(ps, e.Problems...)
	}
	if msg := textError(a.Customer, MaxCustomerLen); msg != "" {
		add("customer", "%s", msg)
	}
	if !engagementPattern().MatchString(a.Engagement) {
		add("engagement", `must be an engagement key as the roster writes it: 1 to 40 letters a-z, digits or "-"`)
	}
	startOK := checkDate(a.StartDate, "startDate", true, add)
	if checkDate(a.EndDate, "endDate", false, add) && startOK && a.EndDate < a.StartDate {
		add("endDate", "must not be before startDate (%s)", a.StartDate)
	}
	switch n := len(a.Obligations); {
	case n == 0:
		add("obligations", "at least one obligation is required")
	case n > MaxObligations:
		add("obligations", "at most %d obligations, not %d", MaxObligations, n)
	}
	seen := make(map[string]int, len(a.Obligations))
	for i, o := range a.Obligations {
		at := func(f string) string { return fmt.Sprintf("obligations[%d].%s", i, f) }
		switch {
		case strings.TrimSpace(o.ID) == "":
			add(at("id"), "is required (the clause number)")
		case utf8.RuneCountInString(o.ID) > MaxObligationIDLen || strings.ContainsFunc(o.ID, unicode.IsControl) || !utf8.ValidString(o.ID):
			add(at("id"), "must be at most %d characters of text", MaxObligationIDLen)
		default:
			if j, dup := seen[o.ID]; dup {
				add(at("id"), "%q is also the id of obligations[%d]", o.ID, j)
			} else {
				seen[o.ID] = i
			}
		}
		if msg := textError(o.Text, MaxTextLen); msg != "" {
			add(at("text"), "%s", msg)
		}
		prefix := ""
		switch o.Kind {
		case KindTraining:
			prefix = ModulePrefix
		case KindAcknowledgment:
			prefix = PolicyPrefix
		default:
			add(at("kind"), "must be %q or %q", KindTraining, KindAcknowledgment)
		}
		switch n := len(o.Items); {
		case n == 0:
			add(at("items"), "at least one item is required")
		case n > MaxItems:
			add(at("items"), "at most %d items, not %d", MaxItems, n)
		}
		items := make(map[string]bool, len(o.Items))
		for j, item := range o.Items {
			field := fmt.Sprintf("obligations[%d].items[%d]", i, j)
			if msg := itemError(item, prefix, cat); msg != "" {
				add(field, "%s", msg)
			} else if items[item] {
				add(field, "%q is listed twice", item)
			}
			items[item] = true
		}
		if o.WithinDays < 1 || o.WithinDays > MaxWithinDays {
			add(at("withinDays"), "must be 1 to %d days, not %d", MaxWithinDays, o.WithinDays)
		}
		if math.IsNaN(o.Target) || o.Target < 0 || o.Target > 1 {
			add(at("target"), "must be a rate from 0 to 1, not %v", o.Target)
		}
	}
	if len(ps) == 0 {
		return nil
	}
	return invalid(ps)
}

// itemError says what is wrong with an obligation's item, "" when nothing
// is; prefix is the kind's ("" for an unknown kind: only existence is
// checked).
func itemError(item, prefix string, cat *catalog.Catalog) string {
	switch {
	case strings.HasPrefix(item, ModulePrefix):
		if prefix == PolicyPrefix {
			return fmt.Sprintf("an acknowledgment obligation lists policies (%s<id>), not %q", PolicyPrefix, item)
		}
		if _, ok := cat.Module(strings.TrimPrefix(item, ModulePrefix)); !ok {
			return fmt.Sprintf("%q names no module of the catalog", item)
		}
	case strings.HasPrefix(item, PolicyPrefix):
		if prefix == ModulePrefix {
			return fmt.Sprintf("a training obligation lists modules (%s<id>), not %q", ModulePrefix, item)
		}
		if _, ok := cat.Policy(strings.TrimPrefix(item, PolicyPrefix)); !ok {
			return fmt.Sprintf("%q names no policy of the catalog", item)
		}
	default:
		return fmt.Sprintf(`must be "module:<id>" or "policy:<id>", not %q`, item)
	}
	return ""
}

// textError says what is wrong with a required single-line or multi-line
// text of at most max characters, "" when nothing is.
func textError(s string, max int) string {
	switch {
	case strings.TrimSpace(s) == "":
		return "is required"
	case !utf8.ValidString(s):
		return "must be UTF-8 text"
	case utf8.RuneCountInString(s) > max:
		return fmt.Sprintf("must be at most %d characters, not %d", max, utf8.RuneCountInString(s))
	case strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\t' }):
		return "must not hold control characters"
	}
	return ""
}

// checkDate checks a YYYY-MM-DD date and reports whether s is one; an empty
// s is not, and is a problem when required.
func checkDate(s, field string, required bool, add func(field, format string, args ...any)) bool {
	if s == "" {
		if required {
			add(field, "is required (YYYY-MM-DD)")
		}
		return false
	}
	if t, err := time.Parse(time.DateOnly, s); err != nil || t.Format(time.DateOnly) != s {
		add(field, "must be a date YYYY-MM-DD, not %q", s)
		return false
	}
	return true
}

// invalid is an Invalid error carrying problems, its message naming the
// first.
func invalid(ps []apperr.Problem) error {
	msg := ps[0].String()
	if len(ps) > 1 {
		msg = fmt.Sprintf("%s (and %d more problems)", msg, len(ps)-1)
	}
	return apperr.InvalidWith(msg, ps)
}
