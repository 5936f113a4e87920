package httpapi

import (
	"net/http"
	"time"

	"github.com/attest-oss/attest/shared/identity"
)

// runReminders runs the reminder selection and delivery for a day, as the
// schedule does (the whole day at once: the hourly sending window does not
// apply). The date defaults to today (UTC); the run happens at 12:00 UTC of
// it, which is the same calendar day from UTC−11 to UTC+11.
func (s *Server) runReminders(w http.ResponseWriter, r *http.Request) error {
	day, dryRun, err := s.readRunRequest(w, r)
	if err != nil {
		return err
	}
	sum, err := s.deps.Reminders.Run(r.Context(), day.Add(12*time.Hour), false, dryRun)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, sum)
	return nil
}

// nudge sends the person a reminder of their open training now: their
// manager chain or an admin may, once per person per day.
func (s *Server) nudge(w http.ResponseWriter, r *http.Request) error {
	sent, err := s.deps.Reminders.NudgePerson(r.Context(), r.PathValue("employeeId"), caller(r).actor, sourceOf(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, sent)
	return nil
}

// notifications lists what was sent to the person, when, why and how it went.
func (s *Server) notifications(w http.ResponseWriter, r *http.Request) error {
	id := r.PathValue("employeeId")
	recs, err := s.deps.Notifications.Notifications(r.Context(), identity.PersonRef(id))
	if err != nil {
		return err
	}
	if err := s.auditRead(r, id, "notifications"); err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"notifications": nonNil(recs)})
	return nil
}
