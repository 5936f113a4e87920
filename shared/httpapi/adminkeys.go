package httpapi

import (
	"net/http"
	"time"

	"github.com/attest-oss/attest/shared/apikey"
	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/roster"
)

// keysPage is the data of the admin console's API keys page.
type keysPage struct {
	Keys     []keyRow
	Form     apikey.Request
	Roles    []roleOption
	Problems []apperr.Problem
	// Today and Latest bound the expiry date picker.
	Today, Latest      string
	MaxLabel, MaxYears int
	// CanEdit shows the create form and the revoke buttons (admins;
	// auditors read the list).
	CanEdit bool
}

// keyRow is one listed key on the page.
type keyRow struct {
	ID, Label, Role, Agreement, CreatedBy, ExpiresOn string
	Created, Revoked                                 string
	Expired                                          bool
}

// roleOption is one choice of the role select.
type roleOption struct {
	Value, What string
	Selected    bool
}

// keyCreatedPage is the data of the page that shows a new key once.
type keyCreatedPage struct {
	ID, Key, Label, Role, ExpiresOn, Agreement string
}

// pageTime formats an instant for the admin pages.
func pageTime(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// keysPageHandler answers GET /admin/keys.
func (s *Server) keysPageHandler(w http.ResponseWriter, r *http.Request, who *signedIn) error {
	return s.renderKeysPage(w, r, who, http.StatusOK, apikey.Request{Role: string(identity.HRIS)}, nil)
}

// renderKeysPage renders the keys page with the form as given and its
// problems (none on a fresh page).
func (s *Server) renderKeysPage(w http.ResponseWriter, r *http.Request, who *signedIn, status int, form apikey.Request, problems []apperr.Problem) error {
	keys, err := s.deps.APIKeys.List(r.Context())
	if err != nil {
		return err
	}
	now := s.deps.Now().UTC()
	rows := make([]keyRow, len(keys))
	for i, k := range keys {
		rows[i] = keyRow{ID: k.ID, Label: k.Label, Role: string(k.Role), Agreement: k.Agreement, CreatedBy: k.CreatedBy,
			ExpiresOn: k.ExpiresOn, Created: pageTime(k.CreatedAt), Expired: k.Expired(now)}
		if k.Revoked() {
			rows[i].Revoked = pageTime(k.RevokedAt)
		}
	}
	var roles []roleOption
	for _, role := range []struct {
		r    identity.Role
		what string
	}{{identity.HRIS, "uploads the roster"}, {identity.Auditor, "reads records and reports"}, {identity.Admin, "does everything"}} {
		roles = append(roles, roleOption{Value: string(role.r), What: role.what, Selected: form.Role == string(role.r)})
	}
	today := now.Format(roster.DateLayout)
	s.renderPage(w, r, status, "admin-keys", who, keysPage{
		Keys: rows, Form: form, Roles: roles, Problems: problems,
		Today: today, Latest: now.AddDate(apikey.MaxLifetimeYears, 0, 0).Format(roster.DateLayout),
		MaxLabel: apikey.MaxLabelLen, MaxYears: apikey.MaxLifetimeYears,
		CanEdit: who.person.HasAccess(identity.Admin),
	})
	return nil
}

// formCreateKey answers POST /admin/keys: the page showing the new key
// once, or the keys page again with the form's problems (422).
func (s *Server) formCreateKey(w http.ResponseWriter, r *http.Request, who *signedIn) error {
	form := apikey.Request{Role: r.PostFormValue("role"), Label: r.PostFormValue("label"),
		ExpiresOn: r.PostFormValue("expiresOn"), Agreement: r.PostFormValue("agreement")}
	key, k, err := s.deps.APIKeys.Create(r.Context(), form, identity.PersonActor(who.person.EmployeeID), sourceOf(r))
	if e, ok := apperr.As(err); ok && e.Code == apperr.Invalid {
		return s.renderKeysPage(w, r, who, statusOf(e.Code), form, e.Problems)
	}
	if err != nil {
		return err
	}
	s.renderPage(w, r, http.StatusOK, "admin-key-created", who, keyCreatedPage{
		ID: k.ID, Key: key, Label: k.Label, Role: string(k.Role), ExpiresOn: k.ExpiresOn, Agreement: k.Agreement})
	return nil
}

// formRevokeKey answers POST /admin/keys/{id}/revoke: revoke, then back to
// the keys page.
func (s *Server) formRevokeKey(w http.ResponseWriter, r *http.Request, who *signedIn) error {
	if _, err := s.deps.APIKeys.Revoke(r.Context(), r.PathValue("id"), identity.PersonActor(who.person.EmployeeID), sourceOf(r)); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/keys", http.StatusSeeOther)
	return nil
}
