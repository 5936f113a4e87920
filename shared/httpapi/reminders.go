package httpapi

import (
	"net/http"
	"time"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/identity"
)

// runReminders runs the reminder selection and delivery for a day, as the
// schedule does (the whole day at once: the hourly sending window does not
// apply). The date defaults to today (UTC); the run happens at 12:00 UTC of
// it, which is the same calendar day from UTC−11 to UTC+11.
func (s *Server) runReminders(w http.ResponseWriter, r *http.Request) {
	day, dryRun, err := s.readRunRequest(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	sum, err := s.deps.Reminders.Run(r.Context(), day.Add(12*time.Hour), false, dryRun)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, sum)
}

// nudge sends the person a reminder of their open training now: their
// manager chain or an admin may, once per person per day.
func (s *Server) nudge(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := r.PathValue("employeeId")
	rec, found, err := s.deps.People.GetPerson(ctx, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !found {
		s.writeError(w, r, errNoSuchPerson)
		return
	}
	if !rec.ActiveOn(s.today()) {
		s.writeError(w, r, apperr.New(apperr.Conflict, "%s has left; there is nothing to remind them of", rec.Name))
		return
	}
	all, err := s.deps.People.Assignments(ctx, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var open []assign.Assignment
	for _, a := range all {
		if a.Status == assign.StatusOpen {
			open = append(open, a)
		}
	}
	sent, err := s.deps.Reminders.Nudge(ctx, rec.Person, open, caller(r).actor)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, sent)
}

// notifications lists what was sent to the person, when, why and how it went.
func (s *Server) notifications(w http.ResponseWriter, r *http.Request) {
	recs, err := s.deps.Notifications.Notifications(r.Context(), identity.PersonRef(r.PathValue("employeeId")))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"notifications": nonNil(recs)})
}
