package httpapi

import (
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/quiz"
	"github.com/attest-oss/attest/shared/roster"
)

// maxAttemptBody bounds a quiz submission; the largest real one is well under 1 KB.
const maxAttemptBody = 16 << 10

// modulePage is the data of the module page.
type modulePage struct {
	ModuleID, Title, Version, Due, Completed, Result string
	Minutes, PassMark                                int
	Body                                             template.HTML
	Open                                             bool
	// AttemptsLeft of AttemptsPerDay remain today; ResetsAt is when the
	// count starts again, in the person's time zone.
	AttemptsLeft, AttemptsPerDay int
	ResetsAt                     string
	Questions                    []quizQuestion
	// Chosen holds the answers of a failed or incomplete submission, so the
	// person does not have to pick them all again.
	Chosen    map[string]string
	CSRFToken string
}

// quizQuestion is a question as the browser sees it: without its answer.
type quizQuestion struct {
	ID, Text string
	Options  []catalog.Option
}

func (s *Server) modulePageHandler(w http.ResponseWriter, r *http.Request, who *signedIn) error {
	st, err := s.deps.Quiz.Module(r.Context(), who.person.EmployeeID, r.PathValue("moduleId"))
	if err != nil {
		return err
	}
	return s.renderModule(w, r, who, st, http.StatusOK, "", nil)
}

func (s *Server) renderModule(w http.ResponseWriter, r *http.Request, who *signedIn, st quiz.ModuleState, status int, result string, chosen map[string]string) error {
	m := st.Module
	body, err := renderMarkdown(m.SHA256, m.Body)
	if err != nil {
		return err
	}
	loc := who.person.Location()
	page := modulePage{
		ModuleID: m.ID, Title: m.Title, Version: m.Version.String(), Minutes: m.EstimatedMinutes, PassMark: m.PassMark,
		Body: body, Open: st.Open != nil, Result: result, Chosen: chosen, CSRFToken: who.session.CSRFToken,
	}
	if st.Open != nil {
		page.Due = describeDue(st.Open.DueOn, s.deps.Now().In(loc).Format(roster.DateLayout))
		page.AttemptsLeft, page.AttemptsPerDay = st.Today.Left, st.Today.Limit
		page.ResetsAt = formatInstant(st.Today.ResetsAt, loc)
		for _, q := range m.Questions {
			page.Questions = append(page.Questions, quizQuestion{ID: q.ID, Text: q.Text, Options: q.Options})
		}
	}
	if st.Completed != nil {
		page.Completed = formatInstant(st.Completed.CompletedAt, loc)
	}
	s.renderPage(w, r, status, "module", who, page)
	return nil
}

// attemptResult is the answer of POST /api/me/modules/{id}/attempts.
type attemptResult struct {
	Passed  bool `json:"passed"`
	Score   int  `json:"score"`
	Attempt int  `json:"attempt"`
}

// apiAttempt grades {"answers": {...}} and records the attempt.
func (s *Server) apiAttempt(w http.ResponseWriter, r *http.Request, who *signedIn) error {
	body, err := readBody(w, r, maxAttemptBody)
	if err != nil {
		return err
	}
	var req struct {
		Answers map[string]string `json:"answers"`
	}
	const shape = `{"answers": {"<questionId>": "<optionId>", ...}}`
	if err := decodeStrict(body, &req, shape); err != nil {
		return err
	}
	if req.Answers == nil {
		return fieldError("answers", "is required: %s", shape)
	}
	res, err := s.deps.Quiz.Submit(r.Context(), submission(r, who, req.Answers))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, attemptResult{Passed: res.Passed, Score: res.Score, Attempt: res.Attempt})
	return nil
}

// formAttempt grades the quiz form: on a pass it shows the receipt, on a
// fail the module again with the score.
func (s *Server) formAttempt(w http.ResponseWriter, r *http.Request, who *signedIn) error {
	moduleID := r.PathValue("moduleId")
	if err := r.ParseForm(); err != nil {
		return apperr.New(apperr.TooLarge, "the form is too large")
	}
	answers := map[string]string{}
	for k, v := range r.PostForm {
		if id, ok := strings.CutPrefix(k, "q_"); ok && len(v) > 0 {
			answers[id] = v[0]
		}
	}
	res, err := s.deps.Quiz.Submit(r.Context(), submission(r, who, answers))
	if code := apperr.CodeOf(err); code == apperr.Invalid || code == apperr.RateLimited {
		st, stErr := s.deps.Quiz.Module(r.Context(), who.person.EmployeeID, moduleID)
		if stErr != nil {
			return stErr
		}
		if code == apperr.RateLimited {
			e, _ := apperr.As(err)
			return s.renderModule(w, r, who, st, http.StatusTooManyRequests, e.Message+".", answers)
		}
		return s.renderModule(w, r, who, st, http.StatusUnprocessableEntity, "Please answer every question.", answers)
	}
	if err != nil {
		return err
	}
	if res.Passed {
		http.Redirect(w, r, "/me/modules/"+moduleID+"/receipt", http.StatusSeeOther)
		return nil
	}
	st, err := s.deps.Quiz.Module(r.Context(), who.person.EmployeeID, moduleID)
	if err != nil {
		return err
	}
	return s.renderModule(w, r, who, st, http.StatusOK,
		fmt.Sprintf("You scored %d%%; you need %d%% to pass. Read the module again and try once more.", res.Score, st.Module.PassMark), answers)
}

// submission is the signed-in person's answers to the request's module.
func submission(r *http.Request, who *signedIn, answers map[string]string) quiz.Submission {
	return quiz.Submission{
		Person: who.person.Person, ModuleID: r.PathValue("moduleId"), Answers: answers,
		Source: sourceOf(r), UserAgent: r.UserAgent(), Assignments: who.assignments,
	}
}

// receiptPage is the data of the completion receipt.
type receiptPage struct {
	Name, EmployeeID, ModuleID, Title, Version, SHA256, CompletedLocal, CompletedUTC string
	Cycle, Score, PassMark, Attempt                                                  int
}

func (s *Server) receiptHandler(w http.ResponseWriter, r *http.Request, who *signedIn) error {
	st, err := s.deps.Quiz.Module(r.Context(), who.person.EmployeeID, r.PathValue("moduleId"))
	if err != nil {
		return err
	}
	if st.Completed == nil {
		return apperr.New(apperr.NotFound, "you have not completed this module yet")
	}
	c := st.Completed
	done := c.CompletedAt
	s.renderPage(w, r, http.StatusOK, "receipt", who, receiptPage{
		Name: who.person.Name, EmployeeID: who.person.EmployeeID, ModuleID: c.ModuleID, Title: st.Module.Title,
		Version: c.CompletedVersion, SHA256: c.CompletedSHA256, Cycle: c.Cycle, Score: c.Score, PassMark: st.Module.PassMark,
		Attempt: c.Attempts, CompletedLocal: done.In(who.person.Location()).Format("Monday 2 January 2006, 15:04 MST"),
		CompletedUTC: done.UTC().Format(time.RFC3339),
	})
	return nil
}
