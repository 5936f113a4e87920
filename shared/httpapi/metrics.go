package httpapi

import (
	"net/http"

	"github.com/attest-oss/attest/shared/metrics"
)

// getMetrics answers GET /api/metrics?asOf=|quarter=[&by=][&engagement=]:
// the figures of the period (as of today when neither is given), frozen
// for a closed quarter that has its snapshot. An auditor key scoped to an
// agreement may only ask for that agreement's engagement (403 otherwise);
// a malformed or future period, or an unknown dimension, is 422 naming the
// parameter.
func (s *Server) getMetrics(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	res, err := s.deps.Metrics.Metrics(r.Context(), metrics.Query{
		AsOf: q.Get("asOf"), Quarter: q.Get("quarter"), By: q.Get("by"), Engagement: q.Get("engagement"),
		Scope: caller(r).agreement,
	})
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, res)
	return nil
}

// getAgreementReport answers GET /api/agreements/{key}/report[?quarter=]:
// each obligation of the agreement against its target over the quarter
// (the current one when absent), frozen for a closed quarter that has its
// snapshot, with the people behind each miss. An auditor key scoped to
// another agreement is 403; no such agreement 404.
func (s *Server) getAgreementReport(w http.ResponseWriter, r *http.Request) error {
	rep, err := s.deps.Metrics.Report(r.Context(), r.PathValue("key"), r.URL.Query().Get("quarter"), caller(r).agreement)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rep)
	return nil
}
