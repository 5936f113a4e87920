package httpapi

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/roster"
)

// maxUploadBody bounds the multipart body of the roster upload and apply
// forms: the roster itself (roster.MaxBodyBytes, as PUT /api/roster) plus
// room for the other fields, the part headers and line breaks a browser
// turns into CRLF.
const maxUploadBody = roster.MaxBodyBytes + maxFormBody

// maxListed bounds each list of people (created, changed, deactivated) the
// preview shows; the counts are always whole.
const maxListed = 1000

// rosterPage is the data of the roster upload page.
type rosterPage struct {
	// CanUpload is false for auditors, who see no form.
	CanUpload bool
	MaxBytes  int
}

// rosterPreviewPage is the data of the preview of an upload: what applying
// it would do, or the problems that stop it.
type rosterPreviewPage struct {
	Mode, Content, Digest string
	Result                roster.Result
	Created               []roster.Person
	Updated, Deactivated  []changeRow
	// More counts the people of each list not shown (maxListed).
	MoreCreated, MoreUpdated, MoreDeactivated int
	// Message and Problems say why the upload cannot be applied.
	Message  string
	Problems []apperr.Problem
	// Notice says the roster changed since the previous preview.
	Notice string
}

// changeRow is one changed person of a preview.
type changeRow struct {
	EmployeeID, Name   string
	Fields             []roster.FieldChange
	RevokesCredentials bool
}

// rosterDonePage is the data of the page after an applied upload.
type rosterDonePage struct {
	Mode   string
	Result roster.Result
}

// rosterPageHandler answers GET /admin/roster.
func (s *Server) rosterPageHandler(w http.ResponseWriter, r *http.Request, who *signedIn) error {
	s.renderPage(w, r, http.StatusOK, "admin-roster", who, rosterPage{CanUpload: who.person.HasAccess(identity.Admin), MaxBytes: roster.MaxBodyBytes})
	return nil
}

// formRosterPreview answers POST /admin/roster/preview: the dry run of the
// uploaded CSV file.
func (s *Server) formRosterPreview(w http.ResponseWriter, r *http.Request, who *signedIn) error {
	mode, err := formMode(r)
	if err != nil {
		return err
	}
	f, _, err := r.FormFile("roster")
	if err != nil {
		return apperr.InvalidWith("choose the roster's CSV file", []apperr.Problem{{Field: "roster", Message: "choose a CSV file"}})
	}
	defer f.Close()
	content, err := io.ReadAll(io.LimitReader(f, roster.MaxBodyBytes+1))
	if err != nil {
		return apperr.New(apperr.Invalid, "the file could not be read")
	}
	if len(content) > roster.MaxBodyBytes {
		return tooLargeRoster()
	}
	return s.renderPreview(w, r, who, http.StatusOK, mode, string(content), "")
}

// formRosterApply answers POST /admin/roster/apply: it imports the
// previewed upload if its plan is still the one previewed (the digest),
// and otherwise shows the new preview (409).
func (s *Server) formRosterApply(w http.ResponseWriter, r *http.Request, who *signedIn) error {
	mode, err := formMode(r)
	if err != nil {
		return err
	}
	// Browsers send the line breaks of a form field as CRLF.
	content := strings.ReplaceAll(r.PostFormValue("content"), "\r\n", "\n")
	if len(content) > roster.MaxBodyBytes {
		return tooLargeRoster()
	}
	digest := r.PostFormValue("digest")
	n, err := strconv.Atoi(r.PostFormValue("deactivations"))
	if err != nil || n < 0 || digest == "" {
		return apperr.New(apperr.Invalid, "the form does not come from a preview; upload the roster again")
	}
	res, err := s.deps.Roster.Import(r.Context(), roster.Request{
		Body: strings.NewReader(content), ContentType: "text/csv", Mode: mode,
		Actor: identity.PersonActor(who.person.EmployeeID), Source: sourceOf(r), Role: identity.Admin,
		ConfirmDeactivations: &n, PlanDigest: digest,
	})
	if errors.Is(err, roster.ErrPlanChanged) {
		return s.renderPreview(w, r, who, http.StatusConflict, mode, content,
			"The roster changed since your preview, so nothing was written. This is what the upload would do now.")
	}
	if e, ok := apperr.As(err); ok && e.Code == apperr.Conflict {
		return s.renderPreview(w, r, who, http.StatusConflict, mode, content,
			"Someone changed the roster while this upload was being applied, so it stopped part way. This is what the rest of it would do now.")
	}
	if err != nil {
		return err
	}
	s.renderPage(w, r, http.StatusOK, "admin-roster-done", who, rosterDonePage{Mode: string(mode), Result: res})
	return nil
}

// renderPreview runs the upload as a dry run and renders its preview with
// status, or with its problems (422).
func (s *Server) renderPreview(w http.ResponseWriter, r *http.Request, who *signedIn, status int, mode roster.Mode, content, notice string) error {
	p, err := s.deps.Roster.Preview(r.Context(), roster.Request{
		Body: strings.NewReader(content), ContentType: "text/csv", Mode: mode,
		Actor: identity.PersonActor(who.person.EmployeeID), Source: sourceOf(r), Role: identity.Admin,
	})
	page := rosterPreviewPage{Mode: string(mode), Notice: notice}
	if e, ok := apperr.As(err); ok && e.Code == apperr.Invalid {
		page.Message, page.Problems = e.Message, e.Problems
		s.renderPage(w, r, statusOf(e.Code), "admin-roster-preview", who, page)
		return nil
	}
	if err != nil {
		return err
	}
	page.Content, page.Digest, page.Result = content, p.Digest, p.Result
	page.Created, page.MoreCreated = capList(p.Plan.Created)
	page.Updated, page.MoreUpdated = capList(changeRows(p.Plan.Updated))
	page.Deactivated, page.MoreDeactivated = capList(changeRows(p.Plan.Deactivated))
	s.renderPage(w, r, status, "admin-roster-preview", who, page)
	return nil
}

// formMode reads the form's mode (sync or upsert).
func formMode(r *http.Request) (roster.Mode, error) {
	mode, err := roster.ParseMode(r.PostFormValue("mode"))
	if err != nil || r.PostFormValue("mode") == "" {
		return "", apperr.InvalidWith("mode must be sync or upsert", []apperr.Problem{{Field: "mode", Message: "must be sync or upsert"}})
	}
	return mode, nil
}

func tooLargeRoster() error {
	return apperr.New(apperr.TooLarge, "the roster is over the limit of %d bytes", roster.MaxBodyBytes)
}

func changeRows(cs []roster.Change) []changeRow {
	rows := make([]changeRow, len(cs))
	for i, c := range cs {
		rows[i] = changeRow{EmployeeID: c.After.EmployeeID, Name: c.After.Name, Fields: c.Fields, RevokesCredentials: c.RevokesCredentials}
	}
	return rows
}

// capList returns the first maxListed elements of s and how many more
// there are.
func capList[T any](s []T) ([]T, int) { return capAt(s, maxListed) }

// capAt returns the first n elements of s and how many more there are.
func capAt[T any](s []T, n int) ([]T, int) {
	if len(s) > n {
		return s[:n], len(s) - n
	}
	return s, 0
}
