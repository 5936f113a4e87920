package httpapi

import (
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/orgconfig"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/team"
	"github.com/attest-oss/attest/shared/waiver"
)

// consoleRoles may open the admin console's pages; only admins may use its
// forms (auditors read).
var consoleRoles = []identity.Role{identity.Admin, identity.Auditor}

// mayUseConsole reports whether a signed-in person may open the admin
// console (the header links to it).
func mayUseConsole(p roster.Person) bool { return slices.ContainsFunc(consoleRoles, p.HasAccess) }

// fieldProblems is a form's problems: all of them (for the summary at the
// top) and the messages by field (shown next to each field).
type fieldProblems struct {
	All     []apperr.Problem
	ByField map[string]string
}

// For returns the problems of field, joined; empty for none (also on a nil
// f: a form without problems).
func (f *fieldProblems) For(field string) string {
	if f == nil {
		return ""
	}
	return f.ByField[field]
}

// problemsOf sorts problems by field; nil for none.
func problemsOf(ps []apperr.Problem) *fieldProblems {
	if len(ps) == 0 {
		return nil
	}
	f := &fieldProblems{All: ps, ByField: map[string]string{}}
	for _, p := range ps {
		if prev := f.ByField[p.Field]; prev != "" {
			f.ByField[p.Field] = prev + "; " + p.Message
		} else {
			f.ByField[p.Field] = p.Message
		}
	}
	return f
}

// formProblems returns the problems a form shows for err: an Invalid or
// Conflict error's (a conflict without problems as one, on field), and
// ok=false for any other error, which the error page answers.
func formProblems(err error, field string) (status int, ps *fieldProblems, ok bool) {
	e, isApp := apperr.As(err)
	if !isApp || (e.Code != apperr.Invalid && e.Code != apperr.Conflict) {
		return 0, nil, false
	}
	list := e.Problems
	if len(list) == 0 {
		list = []apperr.Problem{{Field: field, Message: e.Message}}
	}
	return statusOf(e.Code), problemsOf(list), true
}

// rate formats a completion rate as a percentage; "–" when there is nothing
// to complete.
func rate(r *float64) string {
	if r == nil {
		return "–"
	}
	return strconv.FormatFloat(*r*100, 'f', 1, 64) + "%"
}

// overviewPage is the data of the admin console's overview.
type overviewPage struct {
	// Metrics are the last closed quarter's figures.
	Metrics     *quarterView
	Departments []departmentRow
	Total       departmentRow
	Modules     []contentRow
	Policies    []contentRow
	Roles       []roleRow
}

// departmentRow is one row of the overview's table.
type departmentRow struct {
	Name                                                    string
	People, Completed, OnTrack, Overdue, Waived, OverdueWho int
	Rate                                                    string
}

// contentRow is one module or policy in force.
type contentRow struct {
	ID, Title, Version, SHA256, Recurrence string
}

// roleRow is what one role of the curricula gets, its includes followed.
type roleRow struct {
	Key, Description string
	Includes         []string
	Modules          []string
	Policies         []string
}

func rowOf(name string, t team.Totals, overduePeople int) departmentRow {
	return departmentRow{Name: name, People: t.People, Completed: t.Completed, OnTrack: t.OnTrack, Overdue: t.Overdue,
		Waived: t.Waived, OverdueWho: overduePeople, Rate: rate(t.CompletionRate)}
}

// overviewPageHandler answers GET /admin: the last closed quarter's
// figures, charts and agreements, the organisation's training today by
// department, and the content in force.
func (s *Server) overviewPageHandler(w http.ResponseWriter, r *http.Request, who *signedIn) error {
	quarter, err := s.quarterFigures(r.Context())
	if err != nil {
		return err
	}
	org, err := s.deps.Teams.Organisation(r.Context(), team.Viewer{
		EmployeeID: who.person.EmployeeID, Privileged: true,
		Actor: identity.PersonActor(who.person.EmployeeID), Source: sourceOf(r),
	})
	if err != nil {
		return err
	}
	page := overviewPage{Metrics: quarter, Total: rowOf("Organisation", org.Totals, org.OverduePeople)}
	for _, d := range org.Departments {
		name := d.Name
		if name == "" {
			name = "(no department)"
		}
		page.Departments = append(page.Departments, rowOf(name, d.Totals, d.OverduePeople))
	}
	cat := s.deps.Catalog
	for _, id := range sortedKeys(cat.Modules) {
		m := cat.Modules[id]
		page.Modules = append(page.Modules, contentRow{ID: m.ID, Title: m.Title, Version: m.Version.String(), SHA256: m.SHA256, Recurrence: string(m.Recurrence)})
	}
	for _, id := range sortedKeys(cat.Policies) {
		p := cat.Policies[id]
		page.Policies = append(page.Policies, contentRow{ID: p.ID, Title: p.Title, Version: p.Version.String(), SHA256: p.SHA256})
	}
	for _, key := range sortedKeys(cat.Roles) {
		role := cat.Roles[key]
		mods, pols := cat.ItemsForRoles([]string{key})
		row := roleRow{Key: key, Description: role.Description, Includes: role.Includes}
		for _, m := range mods {
			row.Modules = append(row.Modules, m.Title)
		}
		for _, p := range pols {
			row.Policies = append(row.Policies, p.Title)
		}
		page.Roles = append(page.Roles, row)
	}
	s.renderPage(w, r, http.StatusOK, "admin-overview", who, page)
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// waiversPage is the data of the admin console's waivers page.
type waiversPage struct {
	// CanEdit shows the forms (admins; auditors read).
	CanEdit bool
	// Filter is the list's filter: one person, and whether expired and
	// revoked waivers are shown; FilterProblems its problems.
	FilterEmployeeID string
	All              bool
	FilterProblems   *fieldProblems
	Waivers          []waiverRow
	// Form is the grant form as typed, Problems its problems; Items the
	// item select's choices.
	Form          waiver.Request
	Problems      *fieldProblems
	Items         []itemOption
	Granted       string
	Today, Latest string
	MaxReason     int
	MaxApprover   int
}

// waiverRow is one listed waiver.
type waiverRow struct {
	ID, EmployeeID, Name, Item, Reason, Approver, ExpiresOn, GrantedBy, GrantedAt string
	// Status is active, expired or revoked; Revoked says when and by whom.
	Status, Revoked string
}

// itemOption is one module or policy of the grant form's select.
type itemOption struct {
	Value, Label string
	Selected     bool
}

// waiversPageHandler answers GET /admin/waivers[?employeeId=][&all=1].
func (s *Server) waiversPageHandler(w http.ResponseWriter, r *http.Request, who *signedIn) error {
	notice := ""
	if id := r.URL.Query().Get("granted"); waiver.IsID(id) {
		notice = id
	}
	return s.renderWaiversPage(w, r, who, http.StatusOK, waiver.Request{}, nil, notice)
}

// renderWaiversPage renders the waivers page, filtered as the request's
// query says, with the grant form as given and its problems.
func (s *Server) renderWaiversPage(w http.ResponseWriter, r *http.Request, who *signedIn, status int, form waiver.Request, problems *fieldProblems, granted string) error {
	q := r.URL.Query()
	now := s.deps.Now().UTC()
	page := waiversPage{
		CanEdit: who.person.HasAccess(identity.Admin), FilterEmployeeID: strings.TrimSpace(q.Get("employeeId")), All: q.Get("all") != "",
		Form: form, Problems: problems, Granted: granted,
		Today: now.Format(roster.DateLayout), Latest: now.AddDate(1, 0, 0).Format(roster.DateLayout),
		MaxReason: waiver.MaxReasonLen, MaxApprover: waiver.MaxApproverLen,
	}
	ws, err := s.deps.Waivers.List(r.Context(), waiver.ListOptions{EmployeeID: page.FilterEmployeeID, Active: !page.All})
	if e, ok := apperr.As(err); ok && e.Code == apperr.Invalid {
		page.FilterProblems = problemsOf(e.Problems)
		status = statusOf(e.Code)
	} else if err != nil {
		return err
	}
	ids := make([]string, len(ws))
	for i, wv := range ws {
		ids[i] = wv.EmployeeID
	}
	people, err := s.deps.People.PeopleByID(r.Context(), ids)
	if err != nil {
		return err
	}
	for i := len(ws) - 1; i >= 0; i-- { // newest first
		wv := ws[i]
		row := waiverRow{ID: wv.ID, EmployeeID: wv.EmployeeID, Name: people[wv.EmployeeID].Name, Item: s.itemTitle(wv.Item),
			Reason: wv.Reason, Approver: wv.Approver, ExpiresOn: wv.ExpiresOn, GrantedBy: wv.GrantedBy, GrantedAt: pageTime(wv.GrantedAt)}
		switch {
		case wv.Revoked():
			row.Status, row.Revoked = "revoked", pageTime(wv.RevokedAt)+" by "+wv.RevokedBy
		case wv.HoldsAt(now):
			row.Status = "active"
		default:
			row.Status = "expired"
		}
		page.Waivers = append(page.Waivers, row)
	}
	page.Items = s.itemOptions(form.Item)
	s.renderPage(w, r, status, "admin-waivers", who, page)
	return nil
}

// itemTitle names a waiver's item ("module:<id>", "policy:<id>") by its
// title, or as it is when the catalog no longer has it.
func (s *Server) itemTitle(item string) string {
	if id, ok := strings.CutPrefix(item, waiver.ModulePrefix); ok {
		if m, ok := s.deps.Catalog.Module(id); ok {
			return "Module: " + m.Title
		}
	}
	if id, ok := strings.CutPrefix(item, waiver.PolicyPrefix); ok {
		if p, ok := s.deps.Catalog.Policy(id); ok {
			return "Policy: " + p.Title
		}
	}
	return item
}

// itemOptions are the grant form's choices: every module, then every
// policy, by title; selected is the one chosen.
func (s *Server) itemOptions(selected string) []itemOption {
	var mods, pols []itemOption
	for _, m := range s.deps.Catalog.Modules {
		mods = append(mods, itemOption{Value: waiver.ModulePrefix + m.ID, Label: "Module: " + m.Title})
	}
	for _, p := range s.deps.Catalog.Policies {
		pols = append(pols, itemOption{Value: waiver.PolicyPrefix + p.ID, Label: "Policy: " + p.Title})
	}
	byLabel := func(a, b itemOption) int { return strings.Compare(a.Label, b.Label) }
	slices.SortFunc(mods, byLabel)
	slices.SortFunc(pols, byLabel)
	out := append(mods, pols...)
	for i := range out {
		out[i].Selected = out[i].Value == selected
	}
	return out
}

// formGrantWaiver answers POST /admin/waivers: grant through the waiver
// service, then back to the list; the page again with the form's problems
// (422, or 409 when a waiver of the item already holds).
func (s *Server) formGrantWaiver(w http.ResponseWriter, r *http.Request, who *signedIn) error {
	form := waiver.Request{EmployeeID: strings.TrimSpace(r.PostFormValue("employeeId")), Item: r.PostFormValue("item"),
		Reason: r.PostFormValue("reason"), Approver: r.PostFormValue("approver"), ExpiresOn: r.PostFormValue("expiresOn")}
	wv, err := s.deps.Waivers.Grant(r.Context(), form, identity.PersonActor(who.person.EmployeeID), sourceOf(r))
	if status, ps, ok := formProblems(err, "item"); ok {
		r.URL.RawQuery = ""
		return s.renderWaiversPage(w, r, who, status, form, ps, "")
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/waivers?granted="+wv.ID, http.StatusSeeOther)
	return nil
}

// formRevokeWaiver answers POST /admin/waivers/{id}/revoke: revoke, then
// back to the list.
func (s *Server) formRevokeWaiver(w http.ResponseWriter, r *http.Request, who *signedIn) error {
	if _, err := s.deps.Waivers.Revoke(r.Context(), r.PathValue("id"), identity.PersonActor(who.person.EmployeeID), sourceOf(r)); err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/waivers", http.StatusSeeOther)
	return nil
}

// settingsPage is the data of the admin console's settings page.
type settingsPage struct {
	CanEdit  bool
	Settings orgconfig.Settings
	Updated  string
	// PauseProblems are the pause form's problems; Alert those of a vendor
	// form, summed up at the top.
	PauseProblems, Alert *fieldProblems
	Vendors              []vendorForm
	// New is the form adding a vendor.
	New vendorForm
}

// vendorForm is one vendor's contacts as listed and edited, with the edit
// form's problems.
type vendorForm struct {
	// ID tells the form's fields apart on the page.
	ID                         string
	Key, ContactEmail, OwnerID string
	Updated                    string
	Problems                   *fieldProblems
}

// settingsPageHandler answers GET /admin/settings.
func (s *Server) settingsPageHandler(w http.ResponseWriter, r *http.Request, who *signedIn) error {
	return s.renderSettingsPage(w, r, who, http.StatusOK, settingsPage{})
}

// renderSettingsPage renders the settings page; page carries what a failed
// form gives back (its values and problems), the rest is read here.
func (s *Server) renderSettingsPage(w http.ResponseWriter, r *http.Request, who *signedIn, status int, page settingsPage) error {
	st, err := s.deps.OrgConfig.Settings(r.Context())
	if err != nil {
		return err
	}
	vs, err := s.deps.OrgConfig.Vendors(r.Context())
	if err != nil {
		return err
	}
	page.CanEdit, page.Settings = who.person.HasAccess(identity.Admin), st
	if st.Version > 0 {
		page.Updated = pageTime(st.UpdatedAt) + " by " + st.UpdatedBy
	}
	failed := page.Vendors
	page.Vendors = nil
	page.New.ID = "new"
	for i, v := range vs {
		f := vendorForm{ID: "v" + strconv.Itoa(i+1), Key: v.Key, ContactEmail: v.ContactEmail, OwnerID: v.OwnerID, Updated: pageTime(v.UpdatedAt) + " by " + v.UpdatedBy}
		for _, typed := range failed {
			if typed.Key == v.Key {
				f.ContactEmail, f.OwnerID, f.Problems = typed.ContactEmail, typed.OwnerID, typed.Problems
			}
		}
		page.Vendors = append(page.Vendors, f)
	}
	s.renderPage(w, r, status, "admin-settings", who, page)
	return nil
}

// formSettings answers POST /admin/settings (sendingPaused=true|false):
// set the pause switch, then back to the page.
func (s *Server) formSettings(w http.ResponseWriter, r *http.Request, who *signedIn) error {
	var paused bool
	switch r.PostFormValue("sendingPaused") {
	case "true":
		paused = true
	case "false":
	default:
		return s.renderSettingsPage(w, r, who, http.StatusUnprocessableEntity, settingsPage{
			PauseProblems: problemsOf([]apperr.Problem{{Field: "sendingPaused", Message: "must be true or false"}})})
	}
	_, err := s.deps.OrgConfig.SetSendingPaused(r.Context(), paused, identity.PersonActor(who.person.EmployeeID))
	if status, ps, ok := formProblems(err, "sendingPaused"); ok {
		return s.renderSettingsPage(w, r, who, status, settingsPage{PauseProblems: ps})
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/settings", http.StatusSeeOther)
	return nil
}

// formPutVendor answers POST /admin/vendors/{vendor} (edit a vendor's
// contacts) and POST /admin/vendors (add one, its name in the field
// vendor): set them, then back to the page; the page again with the form's
// problems and values.
func (s *Server) formPutVendor(w http.ResponseWriter, r *http.Request, who *signedIn) error {
	key, adding := r.PathValue("vendor"), r.PathValue("vendor") == ""
	if adding {
		key = strings.TrimSpace(r.PostFormValue("vendor"))
	}
	typed := vendorForm{Key: key, ContactEmail: strings.TrimSpace(r.PostFormValue("contactEmail")), OwnerID: strings.TrimSpace(r.PostFormValue("ownerEmployeeId"))}
	_, _, err := s.deps.OrgConfig.PutVendor(r.Context(), orgconfig.Vendor{Key: typed.Key, ContactEmail: typed.ContactEmail, OwnerID: typed.OwnerID},
		identity.PersonActor(who.person.EmployeeID))
	if status, ps, ok := formProblems(err, "vendor"); ok {
		typed.Problems = ps
		page := settingsPage{Vendors: []vendorForm{typed}, Alert: ps}
		if adding {
			page = settingsPage{New: typed, Alert: ps}
		}
		return s.renderSettingsPage(w, r, who, status, page)
	}
	if err != nil {
		return err
	}
	http.Redirect(w, r, "/admin/settings", http.StatusSeeOther)
	return nil
}
