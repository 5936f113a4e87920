package reminder

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/roster"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   []string // substrings of the error; none means valid
	}{
		{name: "default is valid", change: func(*Config) {}},
		{name: "reminder on the due day is valid", change: func(c *Config) { c.BeforeDue = []int{7, 0} }},
		{name: "no reminders before due is valid", change: func(c *Config) { c.BeforeDue = nil }},
		{name: "hours ignored when not hourly", change: func(c *Config) { c.FromHour, c.ToHour = 0, 0 }},
		{name: "whole day when hourly", change: func(c *Config) { c.Hourly, c.FromHour, c.ToHour = true, 0, 24 }},
		{name: "negative days before due", change: func(c *Config) { c.BeforeDue = []int{14, -1} }, want: []string{"got -1"}},
		{name: "days before due too far", change: func(c *Config) { c.BeforeDue = []int{400} }, want: []string{"got 400"}},
		{name: "days before due twice", change: func(c *Config) { c.BeforeDue = []int{7, 3, 7} }, want: []string{"lists 7 twice"}},
		{name: "overdue interval zero", change: func(c *Config) { c.OverdueEvery = 0 }, want: []string{"overdue interval"}},
		{name: "cap zero", change: func(c *Config) { c.MaxPerAssignment = 0 }, want: []string{"maximum reminders"}},
		{name: "hourly window reversed", change: func(c *Config) { c.Hourly, c.FromHour, c.ToHour = true, 18, 8 }, want: []string{"18 to 8"}},
		{name: "hourly window empty", change: func(c *Config) { c.Hourly, c.FromHour, c.ToHour = true, 8, 8 }, want: []string{"8 to 8"}},
		{name: "hourly window past midnight", change: func(c *Config) { c.Hourly, c.FromHour, c.ToHour = true, 8, 25 }, want: []string{"8 to 25"}},
		{name: "escalation at zero days", change: func(c *Config) { c.EscalateAfter = 0 }, want: []string{"escalation must start"}},
		{name: "next manager up first", change: func(c *Config) { c.EscalateUpAfter = 5 }, want: []string{"next manager up (5 days)"}},
		{name: "every problem reported", change: func(c *Config) { c.OverdueEvery, c.MaxPerAssignment = 0, -1 }, want: []string{"overdue interval", "got -1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.change(&c)
			err := c.Validate()
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("got nil, want an error with %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("got %v, want it to contain %q", err, w)
				}
			}
		})
	}
}

func TestDigestReason(t *testing.T) {
	// Due Friday 18 December 2026: reminders on 4, 11, 15 and 17 December,
	// then 19 and 26 December, 2 January...
	base := assign.Assignment{Status: assign.StatusOpen, AssignedOn: "2026-11-18", DueOn: "2026-12-18"}
	tests := []struct {
		name      string
		sent      int
		last, day string
		change    func(*assign.Assignment)
		want      Reason
		wantSend  bool
		config    func(*Config)
	}{
		{name: "notice on the assignment day", day: "2026-11-18", want: ReasonNotice, wantSend: true},
		{name: "notice later when missed", day: "2026-11-20", want: ReasonNotice, wantSend: true},
		{name: "nothing before the assignment day", day: "2026-11-17"},
		{name: "nothing between notice and first reminder", sent: 1, last: "2026-11-18", day: "2026-12-03"},
		{name: "14 days before", sent: 1, last: "2026-11-18", day: "2026-12-04", want: ReasonBeforeDue, wantSend: true},
		{name: "never twice the same day", sent: 2, last: "2026-12-04", day: "2026-12-04"},
		{name: "not the day after", sent: 2, last: "2026-12-04", day: "2026-12-05"},
		{name: "7 days before", sent: 2, last: "2026-12-04", day: "2026-12-11", want: ReasonBeforeDue, wantSend: true},
		{name: "3 days before", sent: 3, last: "2026-12-11", day: "2026-12-15", want: ReasonBeforeDue, wantSend: true},
		{name: "1 day before", sent: 4, last: "2026-12-15", day: "2026-12-17", want: ReasonBeforeDue, wantSend: true},
		{name: "nothing on the due day", sent: 5, last: "2026-12-17", day: "2026-12-18"},
		{name: "first overdue the day after due", sent: 5, last: "2026-12-17", day: "2026-12-19", want: ReasonOverdue, wantSend: true},
		{name: "nothing between overdue reminders", sent: 6, last: "2026-12-19", day: "2026-12-25"},
		{name: "weekly while overdue", sent: 6, last: "2026-12-19", day: "2026-12-26", want: ReasonOverdue, wantSend: true},
		{name: "several missed days make one reminder", sent: 3, last: "2026-12-11", day: "2026-12-19", want: ReasonOverdue, wantSend: true},
		{name: "and none the next day", sent: 4, last: "2026-12-19", day: "2026-12-20"},
		{name: "missed reminder before due stays before due", sent: 3, last: "2026-12-11", day: "2026-12-16", want: ReasonBeforeDue, wantSend: true},
		{name: "cap reached", sent: 10, last: "2026-12-19", day: "2026-12-26"},
		{name: "cap reached before the notice", day: "2026-11-18", config: func(c *Config) { c.MaxPerAssignment = 0 }},
		{name: "last reminder ahead of the local day after a zone change", sent: 2, last: "2026-12-05", day: "2026-12-04"},
		{name: "completed", day: "2026-11-18", change: func(a *assign.Assignment) { a.Status = assign.StatusCompleted }},
		{name: "malformed due day", sent: 1, last: "2026-11-18", day: "2026-12-04", change: func(a *assign.Assignment) { a.DueOn = "18/12/2026" }},
		{name: "custom interval", sent: 6, last: "2026-12-19", day: "2026-12-22", want: ReasonOverdue, wantSend: true,
			config: func(c *Config) { c.OverdueEvery = 3 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			if tt.config != nil {
				tt.config(&c)
			}
			a := base
			a.RemindersSent, a.LastRemindedOn = tt.sent, tt.last
			if tt.change != nil {
				tt.change(&a)
			}
			got, send := DigestReason(c, a, tt.day)
			if got != tt.want || send != tt.wantSend {
				t.Errorf("got %q %v, want %q %v", got, send, tt.want, tt.wantSend)
			}
		})
	}
}

func TestSendingWindow(t *testing.T) {
	newYork, auckland := loadZone(t, "America/New_York"), loadZone(t, "Pacific/Auckland")
	hourly := DefaultConfig()
	hourly.Hourly = true
	anyDay := DefaultConfig()
	anyDay.SkipWeekends = false
	tests := []struct {
		name    string
		c       Config
		now     string
		loc     *time.Location
		wantDay string
		wantOK  bool
	}{
		{name: "weekday", c: DefaultConfig(), now: "2026-12-04T10:00:00Z", loc: time.UTC, wantDay: "2026-12-04", wantOK: true},
		{name: "nil zone is UTC", c: DefaultConfig(), now: "2026-12-04T23:30:00Z", wantDay: "2026-12-04", wantOK: true},
		{name: "Saturday", c: DefaultConfig(), now: "2026-12-05T10:00:00Z", loc: time.UTC, wantDay: "2026-12-05"},
		{name: "Sunday", c: DefaultConfig(), now: "2026-12-06T10:00:00Z", loc: time.UTC, wantDay: "2026-12-06"},
		{name: "weekend allowed", c: anyDay, now: "2026-12-05T10:00:00Z", loc: time.UTC, wantDay: "2026-12-05", wantOK: true},
		{name: "Sunday in UTC, Monday in Auckland", c: DefaultConfig(), now: "2026-12-06T14:00:00Z", loc: auckland, wantDay: "2026-12-07", wantOK: true},
		{name: "Friday in UTC, Saturday in Auckland", c: DefaultConfig(), now: "2026-12-04T14:00:00Z", loc: auckland, wantDay: "2026-12-05"},
		{name: "any hour when daily", c: DefaultConfig(), now: "2026-12-04T03:00:00Z", loc: time.UTC, wantDay: "2026-12-04", wantOK: true},
		{name: "hourly 07:59 local", c: hourly, now: "2026-12-04T12:59:00Z", loc: newYork, wantDay: "2026-12-04"},
		{name: "hourly 08:00 local", c: hourly, now: "2026-12-04T13:00:00Z", loc: newYork, wantDay: "2026-12-04", wantOK: true},
		{name: "hourly 17:59 local", c: hourly, now: "2026-12-04T22:59:00Z", loc: newYork, wantDay: "2026-12-04", wantOK: true},
		{name: "hourly 18:00 local", c: hourly, now: "2026-12-04T23:00:00Z", loc: newYork, wantDay: "2026-12-04"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			day, ok := SendingWindow(tt.c, mustTime(t, tt.now), tt.loc)
			if day != tt.wantDay || ok != tt.wantOK {
				t.Errorf("got %s %v, want %s %v", day, ok, tt.wantDay, tt.wantOK)
			}
		})
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("parse %q: %v", s, err)
	}
	return at
}

func loadZone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("load zone %s: %v", name, err)
	}
	return loc
}

// TestDueBeforeLosesNothing: planning from the open assignments awaiting
// their notice and those due before DueBefore gives the same notifications
// as planning from every open assignment, for random assignments, runs,
// cadences and time zones from UTC-12 to UTC+14; a bound one day earlier
// loses some.
func TestDueBeforeLosesNothing(t *testing.T) {
	zones := []string{"UTC", "Etc/GMT+12", "Pacific/Pago_Pago", "America/Los_Angeles", "Europe/Berlin", "Asia/Kolkata", "Pacific/Kiritimati"}
	hourly := DefaultConfig()
	hourly.Hourly = true
	wide := DefaultConfig()
	wide.BeforeDue, wide.OverdueEvery, wide.EscalateAfter, wide.EscalateUpAfter, wide.SkipWeekends = []int{30, 2}, 3, 1, 2, false
	none := DefaultConfig()
	none.BeforeDue = nil
	rng := rand.New(rand.NewPCG(3, 4))
	start := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	var kept, all, lost int
	for _, c := range []Config{DefaultConfig(), hourly, wide, none} {
		for range 150 {
			now := start.Add(time.Duration(rng.IntN(21*24)) * time.Hour)
			var ps []roster.Person
			var open []assign.Assignment
			for i := range 30 {
				id := fmt.Sprintf("p%02d", i)
				mgr := ""
				if i > 0 {
					mgr = fmt.Sprintf("p%02d", rng.IntN(i))
				}
				ps = append(ps, staff(id, mgr, zones[rng.IntN(len(zones))]))
				due := now.AddDate(0, 0, rng.IntN(90)-45)
				sent, last := rng.IntN(4), ""
				if sent > 0 {
					last = due.AddDate(0, 0, -rng.IntN(40)).Format(roster.DateLayout)
				}
				open = append(open, task(id, "m", now.AddDate(0, 0, -50).Format(roster.DateLayout), due.Format(roster.DateLayout), sent, last))
			}
			in := Input{Config: c, Now: now, Open: open, People: peopleByID(ps...)}
			want := Plan(in)
			plan := func(dueBefore string) []Notification {
				var read []assign.Assignment
				for _, a := range open {
					if a.RemindersSent == 0 || a.DueOn < dueBefore {
						read = append(read, a)
					}
				}
				in.Open = read
				return Plan(in)
			}
			if got := plan(DueBefore(c, now)); !reflect.DeepEqual(got, want) {
				t.Fatalf("%+v at %s:\n got %v\nwant %v", c, now, summary(got), summary(want))
			}
			earlier := now.AddDate(0, 0, -1).Add(-time.Nanosecond) // any instant of the day before
			if !reflect.DeepEqual(plan(DueBefore(c, earlier)), want) {
				lost++
			}
			for _, a := range open {
				all++
				if a.RemindersSent == 0 || a.DueOn < DueBefore(c, now) {
					kept++
				}
			}
		}
	}
	if kept*10 > all*8 {
		t.Errorf("the bound kept %d of %d assignments, want fewer than 80 %%", kept, all)
	}
	if lost == 0 {
		t.Error("a bound one day earlier lost nothing: DueBefore is not the tightest")
	}
}
