package httpapi

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/quiz"
	"github.com/attest-oss/attest/shared/roster"
)

// maxAttemptBody bounds a quiz submission; the largest real one is well under 1 KB.
const maxAttemptBody = 16 << 10

// attemptRetries bounds how often an attempt is retried after a concurrent
// write to the same assignment.
const attemptRetries = 3

var (
	errNotAssigned      = apperr.New(apperr.NotFound, "this module is not assigned to you")
	errAlreadyCompleted = apperr.New(apperr.Conflict, "you have already completed this module")
)

// moduleState is where a person stands with one module: the open cycle, if
// any, and the last completed one, if any.
type moduleState struct {
	module    *catalog.Module
	open      *assign.Assignment
	completed *assign.Assignment
}

// moduleFor finds the module and the person's assignments of it; NotFound
// unless the module is (or was) assigned to them.
func (s *Server) moduleFor(ctx context.Context, employeeID, moduleID string) (moduleState, error) {
	m, ok := s.deps.Catalog.Module(moduleID)
	if !ok {
		return moduleState{}, errNotAssigned
	}
	all, err := s.deps.People.Assignments(ctx, employeeID)
	if err != nil {
		return moduleState{}, err
	}
	st := moduleState{module: m}
	for i := range all {
		a := &all[i]
		if a.ModuleID != moduleID {
			continue
		}
		switch a.Status {
		case assign.StatusOpen:
			if st.open == nil || a.Cycle > st.open.Cycle {
				st.open = a
			}
		case assign.StatusCompleted:
			if st.completed == nil || a.Cycle > st.completed.Cycle {
				st.completed = a
			}
		}
	}
	if st.open == nil && st.completed == nil {
		return moduleState{}, errNotAssigned
	}
	return st, nil
}

// modulePage is the data of the module page.
type modulePage struct {
	ModuleID, Title, Version, Due, Completed, Result string
	Minutes, PassMark                                int
	Body                                             template.HTML
	Open                                             bool
	Questions                                        []quizQuestion
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

func (s *Server) modulePageHandler(w http.ResponseWriter, r *http.Request, who *signedIn) {
	st, err := s.moduleFor(r.Context(), who.person.EmployeeID, r.PathValue("moduleId"))
	if err != nil {
		s.fail(w, r, true, err)
		return
	}
	s.renderModule(w, r, who, st, http.StatusOK, "", nil)
}

func (s *Server) renderModule(w http.ResponseWriter, r *http.Request, who *signedIn, st moduleState, status int, result string, chosen map[string]string) {
	m := st.module
	body, err := renderMarkdown(m.SHA256, m.Body)
	if err != nil {
		s.fail(w, r, true, err)
		return
	}
	loc := who.person.Location()
	page := modulePage{
		ModuleID: m.ID, Title: m.Title, Version: m.Version.String(), Minutes: m.EstimatedMinutes, PassMark: m.PassMark,
		Body: body, Open: st.open != nil, Result: result, Chosen: chosen, CSRFToken: who.session.CSRFToken,
	}
	if st.open != nil {
		page.Due = describeDue(st.open.DueOn, s.deps.Now().In(loc).Format(roster.DateLayout))
		for _, q := range m.Questions {
			page.Questions = append(page.Questions, quizQuestion{ID: q.ID, Text: q.Text, Options: q.Options})
		}
	}
	if st.completed != nil {
		page.Completed = formatInstant(st.completed.CompletedAt, loc)
	}
	s.renderPage(w, r, status, "module", who, page)
}

// attemptResult is the answer of POST /api/me/modules/{id}/attempts.
type attemptResult struct {
	Passed  bool `json:"passed"`
	Score   int  `json:"score"`
	Attempt int  `json:"attempt"`
}

// apiAttempt grades {"answers": {...}} and records the attempt.
func (s *Server) apiAttempt(w http.ResponseWriter, r *http.Request, who *signedIn) {
	body, err := readBody(w, r, maxAttemptBody)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req struct {
		Answers map[string]string `json:"answers"`
	}
	const shape = `{"answers": {"<questionId>": "<optionId>", ...}}`
	if err := decodeStrict(body, &req, shape); err != nil {
		s.writeError(w, r, err)
		return
	}
	if req.Answers == nil {
		s.writeError(w, r, fieldError("answers", "is required: %s", shape))
		return
	}
	res, err := s.attempt(r, who, r.PathValue("moduleId"), req.Answers)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// formAttempt grades the quiz form: on a pass it shows the receipt, on a
// fail the module again with the score.
func (s *Server) formAttempt(w http.ResponseWriter, r *http.Request, who *signedIn) {
	moduleID := r.PathValue("moduleId")
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, true, apperr.New(apperr.TooLarge, "the form is too large"))
		return
	}
	answers := map[string]string{}
	for k, v := range r.PostForm {
		if id, ok := strings.CutPrefix(k, "q_"); ok && len(v) > 0 {
			answers[id] = v[0]
		}
	}
	res, err := s.attempt(r, who, moduleID, answers)
	if apperr.CodeOf(err) == apperr.Invalid {
		st, stErr := s.moduleFor(r.Context(), who.person.EmployeeID, moduleID)
		if stErr != nil {
			s.fail(w, r, true, stErr)
			return
		}
		s.renderModule(w, r, who, st, http.StatusUnprocessableEntity, "Please answer every question.", answers)
		return
	}
	if err != nil {
		s.fail(w, r, true, err)
		return
	}
	if res.Passed {
		http.Redirect(w, r, "/me/modules/"+moduleID+"/receipt", http.StatusSeeOther)
		return
	}
	st, err := s.moduleFor(r.Context(), who.person.EmployeeID, moduleID)
	if err != nil {
		s.fail(w, r, true, err)
		return
	}
	s.renderModule(w, r, who, st, http.StatusOK,
		fmt.Sprintf("You scored %d%%; you need %d%% to pass. Read the module again and try once more.", res.Score, st.module.PassMark), answers)
}

// attempt grades answers against the module and records the attempt on the
// person's open assignment; the first passing attempt completes it. A
// concurrent attempt on the same assignment makes the write fail, and it is
// retried on what is then stored, so exactly one attempt completes it.
func (s *Server) attempt(r *http.Request, who *signedIn, moduleID string, answers map[string]string) (attemptResult, error) {
	ctx := r.Context()
	var lastErr error
	for range attemptRetries {
		st, err := s.moduleFor(ctx, who.person.EmployeeID, moduleID)
		if err != nil {
			return attemptResult{}, err
		}
		if st.open == nil {
			return attemptResult{}, errAlreadyCompleted
		}
		graded, problems := quiz.Grade(st.module, answers)
		if len(problems) > 0 {
			return attemptResult{}, apperr.InvalidWith("the answers do not fit the quiz", problems)
		}
		now := s.deps.Now()
		a := st.open
		at := assign.Attempt{
			EmployeeID: a.EmployeeID, ModuleID: a.ModuleID, Cycle: a.Cycle, Number: a.Attempts + 1,
			ModuleVersion: st.module.Version.String(), ContentSHA256: st.module.SHA256,
			Answers: answers, Score: graded.Score, Passed: graded.Passed, At: now.UTC(),
			Source: sourceOf(r), UserAgent: audit.UserAgent(r.UserAgent()),
		}
		// One event per attempt: module.attempted, or module.completed for
		// the attempt that completes the assignment.
		event := audit.Event{ID: audit.NewBatchID(), At: now, Actor: identity.PersonActor(a.EmployeeID), Action: audit.ActionModuleAttempted,
			Subject: identity.PersonRef(a.EmployeeID), Source: at.Source,
			Details: map[string]any{"module": a.ModuleID, "cycle": a.Cycle, "attempt": at.Number, "score": graded.Score, "passed": graded.Passed,
				"version": at.ModuleVersion, "contentSha256": at.ContentSHA256}}
		var done *assign.Completion
		if graded.Passed {
			c := assign.CompletionOf(st.module, now, graded.Score, who.person.Location())
			done, event.Action = &c, audit.ActionModuleCompleted
		}
		err = s.deps.Training.RecordAttempt(ctx, *a, at, done, event)
		if apperr.CodeOf(err) == apperr.Conflict {
			lastErr = err
			continue
		}
		if err != nil {
			return attemptResult{}, err
		}
		return attemptResult{Passed: graded.Passed, Score: graded.Score, Attempt: at.Number}, nil
	}
	return attemptResult{}, errors.Join(apperr.New(apperr.Conflict, "too many simultaneous submissions; try again"), lastErr)
}

// receiptPage is the data of the completion receipt.
type receiptPage struct {
	Name, EmployeeID, ModuleID, Title, Version, SHA256, CompletedLocal, CompletedUTC string
	Cycle, Score, PassMark, Attempt                                                  int
}

func (s *Server) receiptHandler(w http.ResponseWriter, r *http.Request, who *signedIn) {
	st, err := s.moduleFor(r.Context(), who.person.EmployeeID, r.PathValue("moduleId"))
	if err != nil {
		s.fail(w, r, true, err)
		return
	}
	if st.completed == nil {
		s.fail(w, r, true, apperr.New(apperr.NotFound, "you have not completed this module yet"))
		return
	}
	c := st.completed
	done := c.CompletedAt
	s.renderPage(w, r, http.StatusOK, "receipt", who, receiptPage{
		Name: who.person.Name, EmployeeID: who.person.EmployeeID, ModuleID: c.ModuleID, Title: st.module.Title,
		Version: c.CompletedVersion, SHA256: c.CompletedSHA256, Cycle: c.Cycle, Score: c.Score, PassMark: st.module.PassMark,
		Attempt: c.Attempts, CompletedLocal: done.In(who.person.Location()).Format("Monday 2 January 2006, 15:04 MST"),
		CompletedUTC: done.UTC().Format(time.RFC3339),
	})
}
