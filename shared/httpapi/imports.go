package httpapi

import (
	"context"
	"net/http"
	"strconv"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/roster"
)

// ImportService requests, lists and reports large roster imports
// (shared/roster's ImportService).
type ImportService interface {
	// Request records an import with the upload's options and returns it
	// with the URL its file is to be PUT to.
	Request(ctx context.Context, opt roster.Options, actor, source string) (roster.Import, string, error)
	// Get returns one import as its status shows it.
	Get(ctx context.Context, id string) (roster.Import, error)
	// List returns every import, newest first.
	List(ctx context.Context) ([]roster.Import, error)
}

var _ ImportService = (*roster.ImportService)(nil)

// errImportsOff answers the large-import routes of a deployment without
// the upload bucket.
var errImportsOff = apperr.New(apperr.Unavailable, "large roster imports are not configured in this deployment")

// imports returns the import service, or errImportsOff.
func (s *Server) imports() (ImportService, error) {
	if s.deps.Imports == nil {
		return nil, errImportsOff
	}
	return s.deps.Imports, nil
}

// rosterOptions reads the query options of an upload (PUT /api/roster,
// POST /api/roster/imports): mode, dryRun and confirmDeactivations.
func rosterOptions(r *http.Request) (roster.Options, error) {
	q := r.URL.Query()
	mode, err := roster.ParseMode(q.Get("mode"))
	if err != nil {
		return roster.Options{}, apperr.New(apperr.Invalid, "mode must be sync or upsert")
	}
	dryRun, err := parseBool(q.Get("dryRun"))
	if err != nil {
		return roster.Options{}, apperr.New(apperr.Invalid, "dryRun must be true or false")
	}
	opt := roster.Options{Mode: mode, DryRun: dryRun, Role: caller(r).role}
	if q.Has(roster.ConfirmParam) {
		n, err := strconv.Atoi(q.Get(roster.ConfirmParam))
		if err != nil || n < 0 {
			return roster.Options{}, apperr.New(apperr.Invalid, "%s must be the number of people the sync deactivates, as its dry run reports", roster.ConfirmParam)
		}
		opt.ConfirmDeactivations = &n
	}
	return opt, nil
}

// importView is an import as the API shows it: its problems always a list.
func importView(im roster.Import) roster.Import {
	im.Problems = nonNil(im.Problems)
	return im
}

// requestImport answers POST /api/roster/imports: 201 with the new
// import's id and the presigned URL to PUT the file to (its status URL in
// Location); the import runs once the file is there.
func (s *Server) requestImport(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.imports()
	if err != nil {
		return err
	}
	opt, err := rosterOptions(r)
	if err != nil {
		return err
	}
	im, url, err := svc.Request(r.Context(), opt, caller(r).actor, sourceOf(r))
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/roster/imports/"+im.ID)
	writeJSON(w, http.StatusCreated, map[string]string{"id": im.ID, "uploadUrl": url})
	return nil
}

// getImport answers GET /api/roster/imports/{id}: its state, counts,
// problems and result.
func (s *Server) getImport(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.imports()
	if err != nil {
		return err
	}
	im, err := svc.Get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, importView(im))
	return nil
}

// importList is the body of GET /api/roster/imports.
type importList struct {
	Imports []roster.Import `json:"imports"`
}

// listImports answers GET /api/roster/imports: every import, newest first.
func (s *Server) listImports(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.imports()
	if err != nil {
		return err
	}
	ims, err := svc.List(r.Context())
	if err != nil {
		return err
	}
	out := importList{Imports: make([]roster.Import, len(ims))}
	for i, im := range ims {
		out.Imports[i] = importView(im)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}
