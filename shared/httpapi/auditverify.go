package httpapi

import (
	"context"
	"net/http"

	"github.com/attest-oss/attest/shared/auditlog"
)

// AuditVerifier checks the audit log against its daily seals (package
// auditlog's Verifier).
type AuditVerifier interface {
	// Verify checks the days from through to (YYYY-MM-DD) and names the
	// first broken link; a malformed, reversed, too long or future range
	// is Invalid naming the field.
	Verify(ctx context.Context, from, to string) (auditlog.Verification, error)
}

// verifyAudit answers GET /api/audit/verify?from=YYYY-MM-DD&to=YYYY-MM-DD:
// whether the audit events of those days are as written and sealed, and
// the first broken link if not. 422 names a bad parameter; 409 says no
// evidence key is configured to check the seals with.
func (s *Server) verifyAudit(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	res, err := s.deps.AuditVerifier.Verify(r.Context(), q.Get("from"), q.Get("to"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}
