package httpapi

import (
	"context"
	"net/http"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/export"
)

// ExportService requests, lists and serves evidence exports (shared/export's
// Service). scope is the agreement an auditor's API key is scoped to ("" for
// none): under it, other agreements' and the organisation's exports do not
// exist (NotFound).
type ExportService interface {
	// Request records an export of quarter for agreement ("" for the
	// whole organisation) and starts it.
	Request(ctx context.Context, quarter, agreement, actor, source string) (export.Export, error)
	// Get returns one export.
	Get(ctx context.Context, id, scope string) (export.Export, error)
	// List returns the exports, newest first.
	List(ctx context.Context, scope string) ([]export.Export, error)
	// Download records the download of a file of a done export and
	// returns a short-lived link to it.
	Download(ctx context.Context, id, name, actor, scope, source string) (string, error)
	// PublicKey returns the PEM of the key that signs the manifests.
	PublicKey(ctx context.Context) ([]byte, error)
}

var _ ExportService = (*export.Service)(nil)

// errExportsOff answers the exports routes of a deployment without the
// evidence bucket and key.
var errExportsOff = apperr.New(apperr.Unavailable, "exports are not configured in this deployment")

// exports returns the export service, or errExportsOff.
func (s *Server) exports() (ExportService, error) {
	if s.deps.Exports == nil {
		return nil, errExportsOff
	}
	return s.deps.Exports, nil
}

// maxExportBody bounds POST /api/exports, whose body is two short strings.
const maxExportBody = 4 << 10

// exportRequest is the body of POST /api/exports.
type exportRequest struct {
	Quarter   string `json:"quarter"`
	Agreement string `json:"agreement"`
}

const exportShape = `{"quarter": "YYYY-Qn", "agreement": "<agreement key, optional>"}`

// exportView is an export as the API shows it: its files always a list.
func exportView(e export.Export) export.Export {
	e.Files = nonNil(e.Files)
	return e
}

// exportList is the body of GET /api/exports.
type exportList struct {
	Exports []export.Export `json:"exports"`
}

// requestExport answers POST /api/exports: 202 with the new export's id
// (and its URL in Location); it is built asynchronously.
func (s *Server) requestExport(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.exports()
	if err != nil {
		return err
	}
	body, err := readBody(w, r, maxExportBody)
	if err != nil {
		return err
	}
	var req exportRequest
	if err := decodeStrict(body, &req, exportShape); err != nil {
		return err
	}
	e, err := svc.Request(r.Context(), req.Quarter, req.Agreement, caller(r).actor, sourceOf(r))
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/exports/"+e.ID)
	writeJSON(w, http.StatusAccepted, map[string]string{"id": e.ID})
	return nil
}

// listExports answers GET /api/exports: every export newest first; an
// auditor key scoped to an agreement sees that agreement's only.
func (s *Server) listExports(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.exports()
	if err != nil {
		return err
	}
	es, err := svc.List(r.Context(), caller(r).agreement)
	if err != nil {
		return err
	}
	out := exportList{Exports: make([]export.Export, len(es))}
	for i, e := range es {
		out.Exports[i] = exportView(e)
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

// getExport answers GET /api/exports/{id}: its state and, once done, its
// files; 404 for an id the caller may not see.
func (s *Server) getExport(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.exports()
	if err != nil {
		return err
	}
	e, err := svc.Get(r.Context(), r.PathValue("id"), caller(r).agreement)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, exportView(e))
	return nil
}

// downloadExportFile answers GET /api/exports/{id}/files/{name}: 302 to a
// presigned URL valid for export.DownloadTTL, the download recorded as an
// audit event first; 404 for an export the caller may not see or a file it
// does not have, 409 while it is not done.
func (s *Server) downloadExportFile(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.exports()
	if err != nil {
		return err
	}
	p := caller(r)
	url, err := svc.Download(r.Context(), r.PathValue("id"), r.PathValue("name"), p.actor, p.agreement, sourceOf(r))
	if err != nil {
		return err
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, url, http.StatusFound)
	return nil
}

// exportPublicKey answers GET /api/exports/public-key: the PEM of the key
// that signs bundles' manifests, for anyone (it is public).
func (s *Server) exportPublicKey(w http.ResponseWriter, r *http.Request) error {
	svc, err := s.exports()
	if err != nil {
		return err
	}
	pem, err := svc.PublicKey(r.Context())
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/x-pem-file")
	w.Header().Set("Content-Disposition", `attachment; filename="public.pem"`)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(pem)
	return nil
}
