package quiz

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/catalog"
)

// module has three questions whose correct options are a, b, c; pass mark 66.
func module() *catalog.Module {
	m := &catalog.Module{ID: "m", PassMark: 66}
	for i, correct := range []string{"a", "b", "c"} {
		m.Questions = append(m.Questions, catalog.Question{
			ID: fmt.Sprintf("q%d", i+1), Correct: correct,
			Options: []catalog.Option{{ID: "a"}, {ID: "b"}, {ID: "c"}},
		})
	}
	return m
}

func TestGrade(t *testing.T) {
	tests := []struct {
		name     string
		answers  map[string]string
		want     Result
		problems []string
	}{
		{"AllCorrect", map[string]string{"q1": "a", "q2": "b", "q3": "c"}, Result{Correct: 3, Total: 3, Score: 100, Passed: true}, nil},
		{"TwoOfThreeScores66AndMeetsPassMark", map[string]string{"q1": "a", "q2": "b", "q3": "a"}, Result{Correct: 2, Total: 3, Score: 66, Passed: true}, nil},
		{"OneOfThree", map[string]string{"q1": "a", "q2": "a", "q3": "a"}, Result{Correct: 1, Total: 3, Score: 33}, nil},
		{"NoneCorrect", map[string]string{"q1": "b", "q2": "a", "q3": "a"}, Result{Total: 3}, nil},
		{"ErrMissingAnswer", map[string]string{"q1": "a", "q2": "b"}, Result{}, []string{"answers.q3: this question has no answer"}},
		{"ErrUnknownQuestion", map[string]string{"q1": "a", "q2": "b", "q3": "c", "q9": "a"}, Result{}, []string{"answers.q9: no such question in this module"}},
		{"ErrUnknownOption", map[string]string{"q1": "z", "q2": "b", "q3": "c"}, Result{}, []string{`answers.q1: "z" is not an option of this question`}},
		{"ErrEmpty", map[string]string{}, Result{}, []string{"answers.q1: this question has no answer", "answers.q2: this question has no answer", "answers.q3: this question has no answer"}},
		{"ErrHostileIDIsTruncated", map[string]string{strings.Repeat("x", 500): "a", "q1": "a", "q2": "b", "q3": "c"}, Result{}, []string{"answers." + strings.Repeat("x", 40) + "…: no such question in this module"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problems := Grade(module(), tt.answers)
			var msgs []string
			for _, p := range problems {
				msgs = append(msgs, p.String())
			}
			if fmt.Sprint(msgs) != fmt.Sprint(tt.problems) {
				t.Errorf("problems %q, want %q", msgs, tt.problems)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestScoreRoundsDown: 2 of 3 is 66.7 %, which must not pass a pass mark of 67.
func TestScoreRoundsDown(t *testing.T) {
	m := module()
	m.PassMark = 67
	got, problems := Grade(m, map[string]string{"q1": "a", "q2": "b", "q3": "a"})
	if len(problems) > 0 || got.Score != 66 || got.Passed {
		t.Errorf("got %+v %v, want score 66 and not passed", got, problems)
	}
}

func TestAllowanceOf(t *testing.T) {
	now := time.Date(2026, 11, 2, 23, 30, 0, 0, time.FixedZone("UTC-5", -5*3600)) // 2026-11-03 04:30 UTC
	midnight := time.Date(2026, 11, 4, 0, 0, 0, 0, time.UTC)
	// at returns attempts of cycle 2 made at the times given, numbered from 1.
	at := func(ts ...string) []assign.Attempt {
		var out []assign.Attempt
		for i, s := range ts {
			when, err := time.Parse(time.RFC3339, s)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, assign.Attempt{Cycle: 2, Number: i + 1, At: when})
		}
		return out
	}
	open := func(attempts int) assign.Assignment { return assign.Assignment{Cycle: 2, Attempts: attempts} }
	tests := []struct {
		name     string
		attempts []assign.Attempt
		open     assign.Assignment
		limit    int
		wantLeft int
	}{
		{"None", nil, open(0), 10, 10},
		{"SomeToday", at("2026-11-03T00:00:00Z", "2026-11-03T04:29:59Z"), open(2), 10, 8},
		{"YesterdayDoesNotCount", at("2026-11-02T10:00:00Z", "2026-11-02T23:59:59Z", "2026-11-03T01:00:00Z"), open(3), 3, 2},
		{"LocalDayIsNotTheDay", at("2026-11-02T23:00:00-05:00"), open(1), 1, 0}, // 04:00 UTC on the 3rd
		{"AllUsed", at("2026-11-03T01:00:00Z", "2026-11-03T02:00:00Z"), open(2), 2, 0},
		{"OverTheLimitIsNone", at("2026-11-03T01:00:00Z", "2026-11-03T02:00:00Z", "2026-11-03T03:00:00Z"), open(3), 2, 0},
		{"RecordedSinceTheListWasRead", at("2026-11-02T10:00:00Z", "2026-11-03T01:00:00Z"), open(4), 3, 0},
		{"EarlierCycleToday", []assign.Attempt{{Cycle: 1, Number: 5, At: now}}, open(0), 3, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := AllowanceOf(tt.attempts, tt.open, tt.limit, now)
			if got.Left != tt.wantLeft || got.Limit != tt.limit || !got.ResetsAt.Equal(midnight) {
				t.Errorf("got %+v, want %d left of %d, resetting at %v", got, tt.wantLeft, tt.limit, midnight)
			}
		})
	}
}
