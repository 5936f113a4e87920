package team_test

import (
	"testing"

	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/team"
)

// member is a person of department with one assignment per status given.
func member(department string, statuses ...string) team.Member {
	m := team.Member{Department: department}
	for _, s := range statuses {
		m.Assignments = append(m.Assignments, team.Item{Status: s})
	}
	return m
}

func TestByDepartment(t *testing.T) {
	const (
		done = assign.ShownCompleted
		open = assign.ShownOnTrack
		late = assign.ShownOverdue
		wvd  = assign.ShownWaived
	)
	for _, tt := range []struct {
		name    string
		members []team.Member
		// want is, per department in order: name, people, completed, on
		// track, overdue, waived, overdue people.
		want []struct {
			name                          string
			people, c, o, od, w, odPeople int
		}
	}{
		{name: "Nobody"},
		{
			name: "CaseFoldedSortedNoneLast",
			members: []team.Member{
				member("sales", done, late), member("", open), member("Eng", done, done), member("Sales", late, wvd), member("eng"),
			},
			want: []struct {
				name                          string
				people, c, o, od, w, odPeople int
			}{
				{"Eng", 2, 2, 0, 0, 0, 0},
				{"sales", 2, 1, 0, 2, 1, 2},
				{"", 1, 0, 1, 0, 0, 0},
			},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := team.ByDepartment(tt.members)
			if len(got) != len(tt.want) {
				t.Fatalf("got %d departments, want %d: %+v", len(got), len(tt.want), got)
			}
			for i, w := range tt.want {
				g := got[i]
				if g.Name != w.name || g.Totals.People != w.people || g.Totals.Completed != w.c || g.Totals.OnTrack != w.o ||
					g.Totals.Overdue != w.od || g.Totals.Waived != w.w || g.OverduePeople != w.odPeople {
					t.Errorf("department %d: got %+v, want %+v", i, g, w)
				}
			}
		})
	}
}
