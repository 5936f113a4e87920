package ack

import (
	"strings"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/apperr"
)

func TestCycle(t *testing.T) {
	t.Parallel()
	zone := func(name string) *time.Location {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		return loc
	}
	berlin, la, tokyo := zone("Europe/Berlin"), zone("America/Los_Angeles"), zone("Asia/Tokyo")
	tests := []struct {
		name  string
		at    string
		loc   *time.Location
		major int
		want  string
	}{
		{"MidYearUTC", "2026-06-15T12:00:00Z", time.UTC, 1, "2026"},
		{"BerlinBeforeMidnight", "2026-12-31T22:59:59Z", berlin, 1, "2026"},
		{"BerlinAfterMidnight", "2026-12-31T23:00:00Z", berlin, 1, "2027"},
		{"TokyoNewYearWhileUTCIsStillInDecember", "2026-12-31T15:00:00Z", tokyo, 1, "2027"},
		{"LosAngelesStillInDecemberWhileUTCIsInJanuary", "2027-01-01T07:59:59Z", la, 1, "2026"},
		{"LosAngelesNewYear", "2027-01-01T08:00:00Z", la, 1, "2027"},
		{"MajorTwoAsksAgainInTheSameYear", "2026-06-15T12:00:00Z", time.UTC, 2, "2026-v2"},
		{"MajorTenInTheLocalYear", "2026-12-31T23:30:00Z", berlin, 10, "2027-v10"},
		{"MajorZeroIsItsOwnCycle", "2026-06-15T12:00:00Z", time.UTC, 0, "2026-v0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at, err := time.Parse(time.RFC3339, tt.at)
			if err != nil {
				t.Fatal(err)
			}
			if got := Cycle(at, tt.loc, tt.major); got != tt.want {
				t.Errorf("Cycle(%s, %s, %d) = %q, want %q", tt.at, tt.loc, tt.major, got, tt.want)
			}
		})
	}
}

func TestTypedName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"Plain", "Ada Lovelace", "Ada Lovelace", true},
		{"Trimmed", "  Zoë 王 \t", "Zoë 王", true},
		{"MarkupIsText", "<script>alert(1)</script>", "<script>alert(1)</script>", true},
		{"JoinersAllowed", "Nasrin\u200cZadeh", "Nasrin\u200cZadeh", true},
		{"MaxLength", strings.Repeat("é", MaxTypedNameRunes), strings.Repeat("é", MaxTypedNameRunes), true},
		{"Empty", "", "", false},
		{"Blank", " \t\n ", "", false},
		{"TooLong", strings.Repeat("a", MaxTypedNameRunes+1), "", false},
		{"NewlineInside", "Ada\nLovelace", "", false},
		{"NUL", "Ada\x00", "", false},
		{"C1Control", "Ada\u0085Lovelace", "", false},
		{"BidiOverride", "Ada \u202eecalevoL", "", false},
		{"BidiIsolate", "Ada \u2066Lovelace", "", false},
		{"InvalidUTF8", "Ada \xff", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := TypedName(tt.in)
			if tt.ok {
				if err != nil || got != tt.want {
					t.Errorf("TypedName(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
				}
				return
			}
			e, isApp := apperr.As(err)
			if !isApp || e.Code != apperr.Invalid || len(e.Problems) != 1 || e.Problems[0].Field != "typedName" {
				t.Errorf("TypedName(%q) error %v, want Invalid naming typedName", tt.in, err)
			}
		})
	}
}
