package quiz

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/attest-oss/attest/shared/catalog"
)

// parseAnswers turns fuzz input into an answer map: one "questionId=optionId"
// per line, as a form post or a JSON body could give them (any bytes, keys
// without a value, later lines overriding earlier ones).
func parseAnswers(s string) map[string]string {
	answers := map[string]string{}
	if s == "" {
		return answers
	}
	for line := range strings.SplitSeq(s, "\n") {
		k, v, _ := strings.Cut(line, "=")
		answers[k] = v
	}
	return answers
}

// FuzzGrade grades arbitrary answers to the shipped modules. A graded
// attempt needs exactly one known option for every question; its score is
// the share of correct answers rounded down, from 0 to 100, and it passes
// exactly when the score reaches the pass mark. Refused answers give one
// located problem per wrong, unknown or missing answer, short and in UTF-8
// whatever was sent. Run it with
// go test -run '^$' -fuzz '^FuzzGrade$' ./shared/quiz.
func FuzzGrade(f *testing.F) {
	c, err := catalog.Default()
	if err != nil {
		f.Fatal(err)
	}
	ids := slices.Sorted(func(yield func(string) bool) {
		for id := range c.Modules {
			if !yield(id) {
				return
			}
		}
	})
	for i, id := range ids {
		var correct, wrong, first []string
		for _, q := range c.Modules[id].Questions {
			correct = append(correct, q.ID+"="+q.Correct)
			first = append(first, q.ID+"="+q.Options[0].ID)
			for _, o := range q.Options {
				if o.ID != q.Correct {
					wrong = append(wrong, q.ID+"="+o.ID)
					break
				}
			}
		}
		f.Add(uint8(i), strings.Join(correct, "\n"))
		f.Add(uint8(i), strings.Join(wrong, "\n"))
		f.Add(uint8(i), strings.Join(first, "\n"))
		f.Add(uint8(i), strings.Join(correct[1:], "\n"))
		f.Add(uint8(i), strings.Join(append(correct, "q99=a"), "\n"))
	}
	f.Add(uint8(0), "")
	f.Add(uint8(1), "q1=\n=a\n\xff=\xfe")
	f.Add(uint8(2), "x"+strings.Repeat("é", 30)+"=a") // truncated inside a character
	f.Add(uint8(3), "q1=x"+strings.Repeat("ü", 50))

	f.Fuzz(func(t *testing.T, pick uint8, input string) {
		m := c.Modules[ids[int(pick)%len(ids)]]
		answers := parseAnswers(input)
		r, problems := Grade(m, answers)

		wantProblems := 0
		for id, v := range answers {
			i := slices.IndexFunc(m.Questions, func(q catalog.Question) bool { return q.ID == id })
			if i < 0 || !slices.ContainsFunc(m.Questions[i].Options, func(o catalog.Option) bool { return o.ID == v }) {
				wantProblems++
			}
		}
		correct := 0
		for _, q := range m.Questions {
			switch v, ok := answers[q.ID]; {
			case !ok:
				wantProblems++
			case v == q.Correct:
				correct++
			}
		}
		if len(problems) != wantProblems {
			t.Fatalf("got problems %v, want %d", problems, wantProblems)
		}
		validInput := utf8.ValidString(input)
		for _, p := range problems {
			if !strings.HasPrefix(p.Field, "answers.") || p.Message == "" {
				t.Fatalf("got problem %+v, want it on a field answers.<questionId>", p)
			}
			if len(p.Field) > len("answers.")+64+len("…") || len(p.Message) > 250 {
				t.Fatalf("got problem %+v (%d and %d bytes), want hostile input truncated", p, len(p.Field), len(p.Message))
			}
			if validInput && !(utf8.ValidString(p.Field) && utf8.ValidString(p.Message)) {
				t.Fatalf("got problem %+v, want UTF-8 text for UTF-8 answers", p)
			}
		}
		if len(problems) > 0 {
			if r != (Result{}) {
				t.Fatalf("got result %+v with problems, want none", r)
			}
			return
		}
		want := Result{Correct: correct, Total: len(m.Questions), Score: correct * 100 / len(m.Questions)}
		want.Passed = want.Score >= m.PassMark
		if r != want {
			t.Fatalf("got %+v, want %+v", r, want)
		}
		if r.Score < 0 || r.Score > 100 || (r.Score == 100) != (r.Correct == r.Total) {
			t.Fatalf("got score %d for %d of %d correct, want 0 to 100, 100 only when all are", r.Score, r.Correct, r.Total)
		}
	})
}
