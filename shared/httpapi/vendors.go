package httpapi

import (
	"net/http"

	"github.com/attest-oss/attest/shared/orgconfig"
)

// maxVendorBody bounds PUT /api/vendors/{vendor}; a real body is under 1 KB.
const maxVendorBody = 16 << 10

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
func (s *Server) listVendors(w http.ResponseWriter, r *http.Request) error {
	vs, err := s.deps.OrgConfig.Vendors(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, vendorList{Vendors: nonNil(vs)})
	return nil
}

// getVendor answers GET /api/vendors/{vendor}.
func (s *Server) getVendor(w http.ResponseWriter, r *http.Request) error {
	v, err := s.deps.OrgConfig.Vendor(r.Context(), r.PathValue("vendor"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// putVendor answers PUT /api/vendors/{vendor}, which sets (replaces) the
// vendor's contacts: 201 with the contacts as stored when the vendor had
// none, 200 otherwise. A request that changes nothing writes nothing.
func (s *Server) putVendor(w http.ResponseWriter, r *http.Request) error {
	key := r.PathValue("vendor")
	if err := orgconfig.CheckVendorKey(key); err != nil {
		return err
	}
	body, err := readBody(w, r, maxVendorBody)
	if err != nil {
		return err
	}
	var req vendorRequest
	if err := decodeStrict(body, &req, `{"contactEmail": "...", "ownerEmployeeId": "..."}`); err != nil {
		return err
	}
	stored, created, err := s.deps.OrgConfig.PutVendor(r.Context(),
		orgconfig.Vendor{Key: key, ContactEmail: req.ContactEmail, OwnerID: req.OwnerID}, caller(r).actor)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, stored)
	return nil
}
