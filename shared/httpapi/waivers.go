package httpapi

import (
	"net/http"
	"time"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/waiver"
)

// maxWaiverBody bounds POST /api/waivers; a real body is well under 1 KiB.
const maxWaiverBody = 8 << 10

// waiverRequest is the body of POST /api/waivers.
type waiverRequest struct {
	EmployeeID string `json:"employeeId"`
	Item       string `json:"item"`
	Reason     string `json:"reason"`
	Approver   string `json:"approver"`
	ExpiresOn  string `json:"expiresOn"`
}

const waiverRequestShape = `{"employeeId": "...", "item": "module:<id>|policy:<id>", "reason": "...", "approver": "...", "expiresOn": "YYYY-MM-DD"}`

// waiverView is a waiver as the API shows it; absent values are null.
// Active says whether it holds now.
type waiverView struct {
	ID         string     `json:"id"`
	EmployeeID string     `json:"employeeId"`
	Item       string     `json:"item"`
	Reason     string     `json:"reason"`
	Approver   string     `json:"approver"`
	ExpiresOn  string     `json:"expiresOn"`
	GrantedBy  string     `json:"grantedBy"`
	GrantedAt  time.Time  `json:"grantedAt"`
	RevokedAt  *time.Time `json:"revokedAt"`
	RevokedBy  *string    `json:"revokedBy"`
	Active     bool       `json:"active"`
}

func (s *Server) viewOfWaiver(w waiver.Waiver) waiverView {
	v := waiverView{ID: w.ID, EmployeeID: w.EmployeeID, Item: w.Item, Reason: w.Reason, Approver: w.Approver,
		ExpiresOn: w.ExpiresOn, GrantedBy: w.GrantedBy, GrantedAt: w.GrantedAt.UTC(), RevokedBy: orNull(w.RevokedBy),
		Active: w.HoldsAt(s.deps.Now())}
	if w.Revoked() {
		at := w.RevokedAt.UTC()
		v.RevokedAt = &at
	}
	return v
}

// grantWaiver answers POST /api/waivers: 201 with the waiver; 422 naming
// each field in error; 409 naming the waiver of the item that holds.
func (s *Server) grantWaiver(w http.ResponseWriter, r *http.Request) error {
	body, err := readBody(w, r, maxWaiverBody)
	if err != nil {
		return err
	}
	var req waiverRequest
	if err := decodeStrict(body, &req, waiverRequestShape); err != nil {
		return err
	}
	wv, err := s.deps.Waivers.Grant(r.Context(), waiver.Request(req), caller(r).actor, sourceOf(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, s.viewOfWaiver(wv))
	return nil
}

// listWaivers answers GET /api/waivers[?employeeId=<id>][&active=true]:
// every waiver (or one person's), oldest first, revoked and expired ones
// unless active=true.
func (s *Server) listWaivers(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	opt := waiver.ListOptions{EmployeeID: q.Get("employeeId")}
	switch q.Get("active") {
	case "", "false":
	case "true":
		opt.Active = true
	default:
		return apperr.InvalidWith("active: must be true or false", []apperr.Problem{{Field: "active", Message: "must be true or false"}})
	}
	ws, err := s.deps.Waivers.List(r.Context(), opt)
	if err != nil {
		return err
	}
	views := make([]waiverView, len(ws))
	for i, wv := range ws {
		views[i] = s.viewOfWaiver(wv)
	}
	writeJSON(w, http.StatusOK, map[string]any{"waivers": views})
	return nil
}

// revokeWaiver answers DELETE /api/waivers/{id}: 200 with the waiver as
// revoked (the record is kept), also when it already was; 404 for an
// unknown id.
func (s *Server) revokeWaiver(w http.ResponseWriter, r *http.Request) error {
	wv, err := s.deps.Waivers.Revoke(r.Context(), r.PathValue("id"), caller(r).actor, sourceOf(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, s.viewOfWaiver(wv))
	return nil
}
