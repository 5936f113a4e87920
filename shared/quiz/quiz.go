// Package quiz grades a person's answers to a module's quiz on the server,
// against the correct options stored with the content (the correct answers
// never reach the browser), and records each attempt on the person's
// assignment through Service.
package quiz

import (
	"fmt"
	"sort"
	"unicode/utf8"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/catalog"
)

// Result is a graded attempt.
type Result struct {
	Correct int
	Total   int
	// Score is the percentage of correct answers, rounded down, so that a
	// person never passes by rounding.
	Score  int
	Passed bool
}

// Grade checks that answers give exactly one known option for every question
// of m and grades them. Unknown questions, unknown options and missing
// answers are problems (field "answers.<questionId>"), and then the attempt
// is not graded.
func Grade(m *catalog.Module, answers map[string]string) (Result, []apperr.Problem) {
	var problems []apperr.Problem
	known := make(map[string]*catalog.Question, len(m.Questions))
	for i := range m.Questions {
		known[m.Questions[i].ID] = &m.Questions[i]
	}
	ids := make([]string, 0, len(answers))
	for id := range answers {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		q, ok := known[id]
		if !ok {
			problems = append(problems, apperr.Problem{Field: "answers." + truncate(id), Message: "no such question in this module"})
			continue
		}
		if !hasOption(q, answers[id]) {
			problems = append(problems, apperr.Problem{Field: "answers." + id, Message: fmt.Sprintf("%q is not an option of this question", truncate(answers[id]))})
		}
	}
	for _, q := range m.Questions {
		if _, ok := answers[q.ID]; !ok {
			problems = append(problems, apperr.Problem{Field: "answers." + q.ID, Message: "this question has no answer"})
		}
	}
	if len(problems) > 0 {
		return Result{}, problems
	}
	r := Result{Total: len(m.Questions)}
	for _, q := range m.Questions {
		if answers[q.ID] == q.Correct {
			r.Correct++
		}
	}
	r.Score = r.Correct * 100 / r.Total
	r.Passed = r.Score >= m.PassMark
	return r, nil
}

func hasOption(q *catalog.Question, id string) bool {
	for _, o := range q.Options {
		if o.ID == id {
			return true
		}
	}
	return false
}

// truncate keeps hostile ids short in messages, cutting between characters
// so that UTF-8 text stays UTF-8.
func truncate(s string) string {
	if len(s) <= 40 {
		return s
	}
	n := 40
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
