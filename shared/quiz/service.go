package quiz

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/roster"
)

// Store is what taking a module needs from storage.
type Store interface {
	// ModuleAssignments returns the person's assignments of one module,
	// every cycle.
	ModuleAssignments(ctx context.Context, employeeID, moduleID string) ([]assign.Assignment, error)
	// Attempts returns every attempt of the person at the module, all cycles.
	Attempts(ctx context.Context, employeeID, moduleID string) ([]assign.Attempt, error)
	// RecordAttempt stores an attempt of the open assignment a (as read),
	// completing it when done is set; Conflict if a changed meanwhile.
	RecordAttempt(ctx context.Context, a assign.Assignment, at assign.Attempt, done *assign.Completion, event audit.Event) error
}

// attemptRetries bounds how often a submission is retried after a
// concurrent write to the same assignment.
const attemptRetries = 3

var (
	errNotAssigned      = apperr.New(apperr.NotFound, "this module is not assigned to you")
	errAlreadyCompleted = apperr.New(apperr.Conflict, "you have already completed this module")
)

// Service lets people take the modules assigned to them: it grades
// submissions and records every attempt, completing the assignment with the
// first passing one.
type Service struct {
	Store   Store
	Catalog *catalog.Catalog
	// AttemptsPerDay caps a person's attempts at one module per UTC day;
	// DefaultAttemptsPerDay when zero.
	AttemptsPerDay int
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
}

// ModuleState is where a person stands with one module: the open cycle, if
// any, and the last completed one, if any; with an open cycle, the
// attempts left today.
type ModuleState struct {
	Module    *catalog.Module
	Open      *assign.Assignment
	Completed *assign.Assignment
	Today     Allowance
}

// Module finds the module and the person's assignments of it, and with an
// open cycle the attempts left today; NotFound unless the module is (or
// was) assigned to them.
func (s *Service) Module(ctx context.Context, employeeID, moduleID string) (ModuleState, error) {
	m, ok := s.Catalog.Module(moduleID)
	if !ok {
		return ModuleState{}, errNotAssigned
	}
	// The attempts are read alongside the assignments; AllowanceOf counts
	// what the assignment read shows was recorded since as today's.
	var (
		attempts    []assign.Attempt
		attemptsErr error
		wg          sync.WaitGroup
	)
	wg.Go(func() { attempts, attemptsErr = s.Store.Attempts(ctx, employeeID, moduleID) })
	st, err := s.state(ctx, m, employeeID)
	wg.Wait()
	if err != nil {
		return ModuleState{}, err
	}
	if attemptsErr != nil {
		return ModuleState{}, attemptsErr
	}
	if st.Open != nil {
		st.Today = AllowanceOf(attempts, *st.Open, s.attemptsPerDay(), s.now())
	}
	return st, nil
}

// state finds the person's open and last completed assignment of m
// (Today left zero); NotFound when there is neither.
func (s *Service) state(ctx context.Context, m *catalog.Module, employeeID string) (ModuleState, error) {
	all, err := s.Store.ModuleAssignments(ctx, employeeID, m.ID)
	if err != nil {
		return ModuleState{}, err
	}
	return stateOf(m, all)
}

// stateOf is state of the person's assignments all.
func stateOf(m *catalog.Module, all []assign.Assignment) (ModuleState, error) {
	st := ModuleState{Module: m}
	for i := range all {
		a := &all[i]
		if a.ModuleID != m.ID {
			continue
		}
		switch a.Status {
		case assign.StatusOpen, assign.StatusWaived:
			// A waived cycle may still be taken; passing completes it.
			if st.Open == nil || a.Cycle > st.Open.Cycle {
				st.Open = a
			}
		case assign.StatusCompleted:
			if st.Completed == nil || a.Cycle > st.Completed.Cycle {
				st.Completed = a
			}
		}
	}
	if st.Open == nil && st.Completed == nil {
		return ModuleState{}, errNotAssigned
	}
	return st, nil
}

// checkAllowance refuses (RateLimited, naming the limit and when it
// resets) an attempt at the open assignment when the person has none left
// today. In a module's first cycle every attempt at it is that cycle's, so
// while the cycle has fewer than the cap, today's cannot reach it and the
// attempts are not read; otherwise they are, after the assignment, whose
// unchanged version the attempt's write requires.
func (s *Service) checkAllowance(ctx context.Context, open assign.Assignment) error {
	limit := s.attemptsPerDay()
	if open.Cycle == 1 && open.Attempts < limit {
		return nil
	}
	attempts, err := s.Store.Attempts(ctx, open.EmployeeID, open.ModuleID)
	if err != nil {
		return err
	}
	today := AllowanceOf(attempts, open, limit, s.now())
	if today.Left > 0 {
		return nil
	}
	return apperr.New(apperr.RateLimited,
		"you have used all %d attempts at this module allowed in a day; you can try again from %s 00:00 UTC",
		today.Limit, today.ResetsAt.Format(time.DateOnly))
}

// Submission is a person's answers to a module's quiz.
type Submission struct {
	Person   roster.Person
	ModuleID string
	// Answers maps question ids to option ids.
	Answers map[string]string
	// Source is where the submission came from (an IP address); UserAgent
	// the browser's User-Agent as sent, which is kept cut (audit.UserAgent).
	Source, UserAgent string
	// Assignments, when not nil, are the person's assignments of the
	// module (or all of them) as read for this request (ModuleAssignments),
	// alongside its session: the first try uses them instead of reading
	// them again. A retry after a concurrent
	// write reads them afresh; the write holds them to the version read
	// either way.
	Assignments []assign.Assignment
}

// ModuleAssignments returns the person's assignments of the module, every
// cycle, as Submit reads them: a request may read them early
// (Submission.Assignments).
func (s *Service) ModuleAssignments(ctx context.Context, employeeID, moduleID string) ([]assign.Assignment, error) {
	return s.Store.ModuleAssignments(ctx, employeeID, moduleID)
}

// Outcome is a recorded attempt: its grade and its number in the cycle.
type Outcome struct {
	Result
	Attempt int
}

// Submit grades the answers against the module and records the attempt on
// the person's open assignment; the first passing attempt completes it.
// Answers that do not fit the quiz are Invalid and record nothing; a module
// already completed is a Conflict; with no attempts left today (the cap per
// UTC day) it is RateLimited, naming the limit and when it resets. A
// concurrent attempt on the same assignment makes the write fail, and it is
// retried on what is then stored, so exactly one attempt completes it and
// no more attempts than the cap are recorded in a day.
func (s *Service) Submit(ctx context.Context, sub Submission) (Outcome, error) {
	var lastErr error
	m, ok := s.Catalog.Module(sub.ModuleID)
	if !ok {
		return Outcome{}, errNotAssigned
	}
	read := sub.Assignments
	for range attemptRetries {
		var st ModuleState
		var err error
		if read != nil {
			st, err = stateOf(m, read)
			read = nil
		} else {
			st, err = s.state(ctx, m, sub.Person.EmployeeID)
		}
		if err != nil {
			return Outcome{}, err
		}
		if st.Open == nil {
			return Outcome{}, errAlreadyCompleted
		}
		if err := s.checkAllowance(ctx, *st.Open); err != nil {
			return Outcome{}, err
		}
		graded, problems := Grade(st.Module, sub.Answers)
		if len(problems) > 0 {
			return Outcome{}, apperr.InvalidWith("the answers do not fit the quiz", problems)
		}
		now := s.now()
		a := st.Open
		at := assign.Attempt{
			EmployeeID: a.EmployeeID, ModuleID: a.ModuleID, Cycle: a.Cycle, Number: a.Attempts + 1,
			ModuleVersion: st.Module.Version.String(), ContentSHA256: st.Module.SHA256,
			Answers: sub.Answers, Score: graded.Score, Passed: graded.Passed, At: now.UTC(),
			Source: sub.Source, UserAgent: audit.UserAgent(sub.UserAgent),
		}
		// One event per attempt: module.attempted, or module.completed for
		// the attempt that completes the assignment.
		event := audit.Event{ID: audit.NewBatchID(), At: now, Actor: identity.PersonActor(a.EmployeeID), Action: audit.ActionModuleAttempted,
			Subject: identity.PersonRef(a.EmployeeID), Source: at.Source,
			Details: map[string]any{"module": a.ModuleID, "cycle": a.Cycle, "attempt": at.Number, "score": graded.Score, "passed": graded.Passed,
				"version": at.ModuleVersion, "contentSha256": at.ContentSHA256}}
		var done *assign.Completion
		if graded.Passed {
			c := assign.CompletionOf(st.Module, now, graded.Score, sub.Person.Location())
			done, event.Action = &c, audit.ActionModuleCompleted
		}
		err = s.Store.RecordAttempt(ctx, *a, at, done, event)
		if apperr.CodeOf(err) == apperr.Conflict {
			lastErr = err
			continue
		}
		if err != nil {
			return Outcome{}, err
		}
		return Outcome{Result: graded, Attempt: at.Number}, nil
	}
	return Outcome{}, errors.Join(apperr.New(apperr.Conflict, "too many simultaneous submissions; try again"), lastErr)
}

func (s *Service) attemptsPerDay() int {
	if s.AttemptsPerDay > 0 {
		return s.AttemptsPerDay
	}
	return DefaultAttemptsPerDay
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}
