package reminder

import (
	"fmt"
	"strings"
	"testing"
)

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name, in string
		check    func(Config) bool
		err      string
	}{
		{"EmptyIsDefault", "", func(c Config) bool { return fmt.Sprint(c) == fmt.Sprint(DefaultConfig()) }, ""},
		{"Everything", "beforeDue=10,2; overdueEvery=3; max=5; weekends=send; hours=9-17; escalateAfter=2; escalateUpAfter=4",
			func(c Config) bool {
				return fmt.Sprint(c.BeforeDue) == "[10 2]" && c.OverdueEvery == 3 && c.MaxPerAssignment == 5 && !c.SkipWeekends &&
					c.FromHour == 9 && c.ToHour == 17 && c.EscalateAfter == 2 && c.EscalateUpAfter == 4
			}, ""},
		{"SpacesAndTrailingSemicolon", " max = 3 ; ", func(c Config) bool { return c.MaxPerAssignment == 3 }, ""},
		{"ErrUnknown", "maxx=3", nil, `unknown setting "maxx"`},
		{"ErrNotNumber", "overdueEvery=weekly", nil, "overdueEvery=weekly"},
		{"ErrNoValue", "max", nil, `"max" must be name=value`},
		{"ErrWeekends", "weekends=sometimes", nil, "must be skip or send"},
		{"ErrHours", "hours=18-8", nil, "sending hours"},
		{"ErrLadder", "escalateAfter=10; escalateUpAfter=5", nil, "next manager up"},
		{"ErrBeforeDue", "beforeDue=7,x", nil, "beforeDue=7,x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseConfig(tt.in)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("got %v, want an error containing %q", err, tt.err)
				}
				return
			}
			if err != nil || !tt.check(c) {
				t.Errorf("got %+v, %v", c, err)
			}
		})
	}
}
