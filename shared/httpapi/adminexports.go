package httpapi

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/attest-oss/attest/shared/export"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/metrics"
)

// exportQuarters is how many quarters the request form offers: the current
// one (a preview) and the closed ones before it.
const exportQuarters = 8

// option is one choice of a select.
type option struct {
	Value, Label string
	Selected     bool
}

// exportsPage is the data of the admin console's exports section.
type exportsPage struct {
	// Configured is false where the deployment has no evidence bucket.
	Configured bool
	CanEdit    bool
	// Requested is the id of the export just requested, for the notice.
	Requested  string
	Problems   *fieldProblems
	Quarters   []option
	Agreements []option
	Exports    []exportRow
	// VerifyFrom and VerifyTo ask /api/audit/verify for the days from the
	// last closed quarter's first to today.
	VerifyFrom, VerifyTo string
}

// exportRow is one export of the table.
type exportRow struct {
	ID, Quarter, Scope, State, Requested, Finished, Error string
	Files                                                 []exportFileRow
}

// exportFileRow is one downloadable file of a done export.
type exportFileRow struct {
	Name, Href, Size, SHA256 string
}

// exportsPageHandler answers GET /admin/exports: the request form (admins),
// every export with its state and files, and how to verify a bundle.
func (s *Server) exportsPageHandler(w http.ResponseWriter, r *http.Request, who *signedIn) error {
	page := exportsPage{Requested: r.URL.Query().Get("requested")}
	return s.renderExportsPage(w, r, who, http.StatusOK, page, exportRequest{})
}

// renderExportsPage renders the exports section with the form as typed.
func (s *Server) renderExportsPage(w http.ResponseWriter, r *http.Request, who *signedIn, status int, page exportsPage, form exportRequest) error {
	page.CanEdit = who.person.HasAccess(identity.Admin)
	now := s.deps.Now().UTC()
	if last, err := metrics.PreviousQuarter(metrics.QuarterOf(now)); err == nil {
		p, _ := metrics.QuarterPeriod(last)
		page.VerifyFrom, page.VerifyTo = p.FirstDay(), now.Format(time.DateOnly)
	}
	if s.deps.Exports != nil {
		page.Configured = true
		es, err := s.deps.Exports.List(r.Context(), "")
		if err != nil {
			return err
		}
		for _, e := range es {
			page.Exports = append(page.Exports, exportRowOf(e))
		}
	}
	if page.CanEdit && page.Configured {
		current := metrics.QuarterOf(now)
		qs, err := metrics.LastQuarters(current, exportQuarters)
		if err != nil {
			return err
		}
		if form.Quarter == "" && len(qs) > 1 {
			form.Quarter = qs[len(qs)-2] // the last closed quarter
		}
		for _, q := range slices.Backward(qs) {
			label := q
			if q == current {
				label += " (in progress: a preview up to now)"
			}
			page.Quarters = append(page.Quarters, option{Value: q, Label: label, Selected: q == form.Quarter})
		}
		as, err := s.deps.Agreements.List(r.Context(), "")
		if err != nil {
			return err
		}
		page.Agreements = append(page.Agreements, option{Value: "", Label: "The whole organisation", Selected: form.Agreement == ""})
		for _, a := range as {
			page.Agreements = append(page.Agreements, option{Value: a.Key, Label: a.Customer + " (" + a.Key + ")", Selected: form.Agreement == a.Key})
		}
	}
	s.renderPage(w, r, status, "admin-exports", who, page)
	return nil
}

// exportRowOf formats an export for the table.
func exportRowOf(e export.Export) exportRow {
	row := exportRow{ID: e.ID, Quarter: e.Quarter, Scope: e.Scope, State: string(e.State), Error: e.Error,
		Requested: pageTime(e.RequestedAt) + " by " + e.RequestedBy}
	if !e.FinishedAt.IsZero() {
		row.Finished = pageTime(e.FinishedAt)
	}
	for _, f := range e.Files {
		row.Files = append(row.Files, exportFileRow{Name: f.Name, SHA256: f.SHA256, Size: byteSize(f.Bytes),
			Href: "/api/exports/" + url.PathEscape(e.ID) + "/files/" + url.PathEscape(f.Name)})
	}
	return row
}

// byteSize writes a file size for people: bytes, KB or MB.
func byteSize(n int64) string {
	switch {
	case n < 1000:
		return strconv.FormatInt(n, 10) + " B"
	case n < 1_000_000:
		return strconv.FormatFloat(float64(n)/1000, 'f', 1, 64) + " KB"
	}
	return strconv.FormatFloat(float64(n)/1_000_000, 'f', 1, 64) + " MB"
}

// formRequestExport answers POST /admin/exports: request the bundle (as
// POST /api/exports), then back to the section; the page again with the
// form's problems.
func (s *Server) formRequestExport(w http.ResponseWriter, r *http.Request, who *signedIn) error {
	svc, err := s.exports()
	if err != nil {
		return err
	}
	form := exportRequest{Quarter: r.PostFormValue("quarter"), Agreement: r.PostFormValue("agreement")}
	e, err := svc.Request(r.Context(), form.Quarter, form.Agreement, identity.PersonActor(who.person.EmployeeID), sourceOf(r))
	if status, ps, ok := formProblems(err, "quarter"); ok {
		return s.renderExportsPage(w, r, who, status, exportsPage{Problems: ps}, form)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/exports?requested="+e.ID, http.StatusSeeOther)
	return nil
}
