package httpapi

import (
	"context"
	"net/http"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/orgconfig"
)

// VendorStore keeps the vendors' escalation contacts.
type VendorStore interface {
	// Vendor returns one vendor's contacts, or found=false.
	Vendor(ctx context.Context, key string) (orgconfig.VendorRecord, bool, error)
	// VendorRecords returns every vendor's contacts, ordered by key.
	VendorRecords(ctx context.Context) ([]orgconfig.VendorRecord, error)
	// PutVendor stores v as the next version, with its audit event, if the
	// stored version is still v.Version (0: none stored); Conflict otherwise.
	PutVendor(ctx context.Context, v orgconfig.VendorRecord, actor string) error
}

// maxVendorBody bounds PUT /api/vendors/{vendor}; a real body is under 1 KB.
const maxVendorBody = 16 << 10

var errNoSuchVendor = apperr.New(apperr.NotFound, "no contacts are stored for that vendor")

// vendorRequest is the body of PUT /api/vendors/{vendor}.
type vendorRequest struct {
	ContactEmail string `json:"contactEmail"`
	OwnerID      string `json:"ownerEmployeeId"`
}

// vendorList is the body of GET /api/vendors.
type vendorList struct {
	Vendors []orgconfig.VendorRecord `json:"vendors"`
}

// listVendors answers GET /api/vendors: every vendor's contacts, by key.
func (s *Server) listVendors(w http.ResponseWriter, r *http.Request) {
	vs, err := s.deps.Vendors.VendorRecords(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, vendorList{Vendors: nonNil(vs)})
}

// getVendor answers GET /api/vendors/{vendor}.
func (s *Server) getVendor(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("vendor")
	if err := orgconfig.CheckVendorKey(key); err != nil {
		s.writeError(w, r, err)
		return
	}
	v, found, err := s.deps.Vendors.Vendor(r.Context(), key)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !found {
		s.writeError(w, r, errNoSuchVendor)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// putVendor answers PUT /api/vendors/{vendor}, which sets (replaces) the
// vendor's contacts: 201 with the contacts as stored when the vendor had
// none, 200 otherwise. A request that changes nothing writes nothing.
func (s *Server) putVendor(w http.ResponseWriter, r *http.Request) {
	key := r.PathValue("vendor")
	if err := orgconfig.CheckVendorKey(key); err != nil {
		s.writeError(w, r, err)
		return
	}
	body, err := readBody(w, r, maxVendorBody)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req vendorRequest
	if err := decodeStrict(body, &req, `{"contactEmail": "...", "ownerEmployeeId": "..."}`); err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx := r.Context()
	if err := s.checkVendorRequest(ctx, req); err != nil {
		s.writeError(w, r, err)
		return
	}
	cur, found, err := s.deps.Vendors.Vendor(ctx, key)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	next := orgconfig.VendorRecord{Vendor: orgconfig.Vendor{Key: key, ContactEmail: req.ContactEmail, OwnerID: req.OwnerID}, Version: cur.Version}
	if found && cur.Vendor == next.Vendor {
		writeJSON(w, http.StatusOK, cur)
		return
	}
	if err := s.deps.Vendors.PutVendor(ctx, next, caller(r).actor); err != nil {
		s.writeError(w, r, err)
		return
	}
	stored, _, err := s.deps.Vendors.Vendor(ctx, key)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusOK
	if !found {
		status = http.StatusCreated
	}
	writeJSON(w, status, stored)
}

// checkVendorRequest checks a vendor's contacts: a bare contact address if
// any, and an owner who is a stored person if any.
func (s *Server) checkVendorRequest(ctx context.Context, req vendorRequest) error {
	if err := orgconfig.CheckContactEmail(req.ContactEmail); err != nil {
		return err
	}
	if req.OwnerID == "" {
		return nil
	}
	if err := orgconfig.CheckOwnerID(req.OwnerID); err != nil {
		return err
	}
	_, found, err := s.deps.People.GetPerson(ctx, req.OwnerID)
	if err != nil || found {
		return err
	}
	return fieldError("ownerEmployeeId", "names no stored person (%q)", req.OwnerID)
}
