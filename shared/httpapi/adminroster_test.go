package httpapi_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"strings"
	"testing"

	"github.com/attest-oss/attest/shared/identity"
)

// rosterEnv is an env with a roster of ten people (ADM an admin, AUD an
// auditor, EMP and P1 … P7 employees), the admin, auditor and employee
// signed in.
type rosterEnv struct {
	*env
	ps                             map[string]person
	admin, auditor, employee       *http.Client
	adminCSRF, audCSRF, employCSRF string
}

func newRosterEnv(t *testing.T) *rosterEnv {
	t.Helper()
	e := newEnv(t)
	rows := [][3]string{{"ADM", "all-staff;admin", ""}, {"AUD", "all-staff;auditor", ""}, {"EMP", "all-staff", ""}}
	for i := 1; i <= 7; i++ {
		rows = append(rows, [3]string{fmt.Sprintf("P%d", i), "all-staff", "ADM"})
	}
	r := &rosterEnv{env: e, ps: e.seedTeam("admin-roster.example.com", rows...)}
	r.admin, r.adminCSRF = e.signedIn(r.ps["ADM"])
	r.auditor, r.audCSRF = e.signedIn(r.ps["AUD"])
	r.employee, r.employCSRF = e.signedIn(r.ps["EMP"])
	return r
}

// csvOf is a roster CSV of the people ids as seeded, with changes applied
// to a person's row by id (the whole row after the id).
func (r *rosterEnv) csvOf(ids []string, rows map[string]string) string {
	csv := header
	for _, id := range ids {
		p := r.ps[id]
		row, ok := rows[id]
		if !ok {
			roles := "all-staff"
			switch id {
			case "ADM":
				roles += ";admin"
			case "AUD":
				roles += ";auditor"
			}
			mgr := ""
			if strings.HasPrefix(id, "P") {
				mgr = "ADM"
			}
			row = fmt.Sprintf("%s,%s,%s,%s,Ops,employee,,,2026-01-05,,UTC", p.email, p.name, roles, mgr)
		}
		csv += id + "," + row + "\n"
	}
	return csv
}

// post sends a multipart roster form as c and returns the status and page.
func (r *rosterEnv) post(c *http.Client, csrf, path string, fields map[string]string, file string) (int, string) {
	r.t.Helper()
	ct, body := multipartBody(r.t, csrf, fields, file)
	resp, page := r.send(c, http.MethodPost, path, http.Header{"Content-Type": {ct}}, body)
	return resp.StatusCode, html.UnescapeString(page)
}

// apply applies a preview page's form as the admin.
func (r *rosterEnv) apply(mode, content, preview string) (int, string) {
	r.t.Helper()
	d := digestField.FindStringSubmatch(preview)
	n := deactivationsField.FindStringSubmatch(preview)
	if d == nil || n == nil {
		r.t.Fatalf("no digest or count in the preview: %s", preview)
	}
	return r.post(r.admin, r.adminCSRF, "/admin/roster/apply", map[string]string{"mode": mode, "content": content, "digest": d[1], "deactivations": n[1]}, "")
}

func (r *rosterEnv) stored(id string) string {
	r.t.Helper()
	rec, _, err := r.app.Store.GetPerson(context.Background(), id)
	if err != nil {
		r.t.Fatal(err)
	}
	return rec.Name + "|" + rec.Department + "|" + rec.EndDate
}

func TestAdminRosterUpload(t *testing.T) {
	t.Parallel()
	r := newRosterEnv(t)
	p1 := r.ps["P1"]
	renamed := r.csvOf([]string{"P1"}, map[string]string{"P1": p1.email + ",Renamed P1,all-staff,ADM,Security,employee,,,2026-01-05,,UTC"}) +
		fmt.Sprintf("NEW1,new1-%s,New Person,all-staff,ADM,Ops,employee,,,2026-01-05,,UTC\n", strings.SplitN(p1.email, "-", 2)[1])

	t.Run("Access", func(t *testing.T) {
		anon := r.browser()
		if resp, _ := r.send(anon, http.MethodGet, "/admin/roster", nil, ""); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" {
			t.Errorf("anonymous: %d %q, want a redirect to /signin", resp.StatusCode, resp.Header.Get("Location"))
		}
		if resp, _ := r.send(r.employee, http.MethodGet, "/admin/roster", nil, ""); resp.StatusCode != http.StatusForbidden {
			t.Errorf("employee GET: %d, want 403", resp.StatusCode)
		}
		if status, _ := r.post(r.employee, r.employCSRF, "/admin/roster/preview", map[string]string{"mode": "upsert"}, renamed); status != http.StatusForbidden {
			t.Errorf("employee preview: %d, want 403", status)
		}
		resp, page := r.send(r.auditor, http.MethodGet, "/admin/roster", nil, "")
		if resp.StatusCode != http.StatusOK || strings.Contains(page, `type="file"`) || !strings.Contains(page, "needs the admin access role") {
			t.Errorf("auditor GET: %d, want the page without the form: %s", resp.StatusCode, page)
		}
		for _, path := range []string{"/admin/roster/preview", "/admin/roster/apply"} {
			if status, _ := r.post(r.auditor, r.audCSRF, path, map[string]string{"mode": "upsert", "content": renamed, "digest": "x", "deactivations": "0"}, renamed); status != http.StatusForbidden {
				t.Errorf("auditor %s: %d, want 403", path, status)
			}
		}
		if status, _ := r.post(r.admin, "", "/admin/roster/preview", map[string]string{"mode": "upsert"}, renamed); status != http.StatusForbidden {
			t.Errorf("admin without the CSRF token: %d, want 403", status)
		}
		resp, page = r.send(r.admin, http.MethodGet, "/admin/roster", nil, "")
		if resp.StatusCode != http.StatusOK || !strings.Contains(page, `enctype="multipart/form-data"`) || !strings.Contains(page, `aria-current="page">Roster upload`) {
			t.Errorf("admin GET: %d %s", resp.StatusCode, page)
		}
	})

	t.Run("TooLarge", func(t *testing.T) {
		big := header + strings.Repeat("x", 4<<20)
		if status, _ := r.post(r.admin, r.adminCSRF, "/admin/roster/preview", map[string]string{"mode": "upsert"}, big); status != http.StatusRequestEntityTooLarge {
			t.Errorf("got %d, want 413", status)
		}
	})

	t.Run("Problems", func(t *testing.T) {
		bad := header + "B1,not-an-email,Bad One,all-staff,,Ops,employee,,,2026-01-05,,UTC\n" +
			"B2,b2@admin-roster.example.com,,all-staff,,Ops,employee,,,2026-01-05,,UTC\n"
		status, page := r.post(r.admin, r.adminCSRF, "/admin/roster/preview", map[string]string{"mode": "upsert"}, bad)
		if status != http.StatusUnprocessableEntity || !strings.Contains(page, "Problems, row by row") || strings.Contains(page, "/admin/roster/apply") {
			t.Fatalf("got %d, want 422 with the problems and no Apply: %s", status, page)
		}
		for _, want := range []string{"<td>2</td><td>email</td>", "<td>3</td><td>name</td>"} {
			if !strings.Contains(page, want) {
				t.Errorf("no %q in the problems", want)
			}
		}
		if _, found, _ := r.app.Store.GetPerson(context.Background(), "B1"); found {
			t.Error("an invalid upload wrote B1")
		}
	})

	before := r.stored("P1")
	status, preview := r.post(r.admin, r.adminCSRF, "/admin/roster/preview", map[string]string{"mode": "upsert"}, renamed)
	t.Run("Preview", func(t *testing.T) {
		if status != http.StatusOK {
			t.Fatalf("got %d: %s", status, preview)
		}
		for _, want := range []string{
			"<strong>1</strong> created", "<strong>1</strong> updated", "<strong>0</strong> deactivated",
			"People to be created (1)", "New Person", "NEW1",
			"<code>name</code>: <del>Person P1</del> → <ins>Renamed P1</ins>",
			"<code>department</code>: <del>Ops</del> → <ins>Security</ins>",
			`value="upsert"`, ">Cancel</a>",
		} {
			if !strings.Contains(preview, want) {
				t.Errorf("no %q in the preview", want)
			}
		}
		if r.stored("P1") != before {
			t.Error("the preview wrote P1")
		}
		if _, found, _ := r.app.Store.GetPerson(context.Background(), "NEW1"); found {
			t.Error("the preview wrote NEW1")
		}
	})

	t.Run("DigestMismatchShowsTheNewPreview", func(t *testing.T) {
		// P1 moves to Legal through the API after the preview.
		moved := r.csvOf([]string{"P1"}, map[string]string{"P1": p1.email + "," + p1.name + ",all-staff,ADM,Legal,employee,,,2026-01-05,,UTC"})
		if status, body := r.putRoster("?mode=upsert", "text/csv", moved); status != http.StatusOK {
			t.Fatalf("move: %d %v", status, body)
		}
		status, page := r.apply("upsert", renamed, preview)
		if status != http.StatusConflict || !strings.Contains(page, "changed since your preview") ||
			!strings.Contains(page, "<code>department</code>: <del>Legal</del> → <ins>Security</ins>") {
			t.Fatalf("got %d, want 409 with the new preview: %s", status, page)
		}
		if got := r.stored("P1"); !strings.HasPrefix(got, p1.name+"|Legal") {
			t.Errorf("P1 is %q after a refused apply", got)
		}
		preview = page
	})

	t.Run("Apply", func(t *testing.T) {
		status, page := r.apply("upsert", renamed, preview)
		if status != http.StatusOK || !strings.Contains(page, "Roster applied") || !strings.Contains(page, "<strong>1</strong> created") {
			t.Fatalf("got %d: %s", status, page)
		}
		if got := r.stored("P1"); got != "Renamed P1|Security|" {
			t.Errorf("P1 is %q", got)
		}
		var byAdmin bool
		for _, ev := range r.eventsOf("person.updated") {
			byAdmin = byAdmin || ev.Actor == identity.PersonActor("ADM") && ev.Subject == identity.PersonRef("P1")
		}
		if !byAdmin {
			t.Errorf("no person.updated event of P1 with the signed-in admin as actor")
		}
	})

	t.Run("MassDeactivationIsConfirmedByThePreview", func(t *testing.T) {
		keep := r.csvOf([]string{"ADM", "AUD", "EMP"}, nil)
		status, page := r.post(r.admin, r.adminCSRF, "/admin/roster/preview", map[string]string{"mode": "sync"}, keep)
		// P1 … P7 and NEW1 leave: 8 of 11 active people.
		if status != http.StatusOK || !strings.Contains(page, "People to be deactivated (8)") || !strings.Contains(page, "confirmDeactivations=8") {
			t.Fatalf("got %d, want the 8 deactivations listed with the warning: %s", status, page)
		}
		status, page = r.apply("sync", keep, page)
		if status != http.StatusOK || !strings.Contains(page, "<strong>8</strong> deactivated") {
			t.Fatalf("apply: %d %s", status, page)
		}
		if got := r.stored("P7"); strings.HasSuffix(got, "|") {
			t.Errorf("P7 is %q, want an end date", got)
		}
	})
}

func TestAdminPeopleSearch(t *testing.T) {
	t.Parallel()
	r := newRosterEnv(t)
	get := func(c *http.Client, path string) (int, string) {
		t.Helper()
		resp, page := r.send(c, http.MethodGet, path, nil, "")
		return resp.StatusCode, html.UnescapeString(page)
	}
	rowsOf := func(page string) int { return strings.Count(page, `<th scope="row"><a href="/admin/people/`) }
	for _, tt := range []struct {
		name, q string
		want    []string
		rows    int
	}{
		{"ExactID", "P3", []string{`href="/admin/people/P3">Person P3`}, 1},
		{"ExactEmail", strings.ToUpper(r.ps["P4"].email), []string{`href="/admin/people/P4">Person P4`}, 1},
		{"NameAnyCase", "person p", []string{"Person P1", "Person P7", "7 people"}, 7},
		{"Everyone", "", []string{"10 people"}, 10},
		{"Nobody", "zzz", []string{"Nobody matches"}, 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			status, page := get(r.auditor, "/admin/people?q="+strings.ReplaceAll(tt.q, " ", "+"))
			if status != http.StatusOK || rowsOf(page) != tt.rows {
				t.Fatalf("got %d with %d rows, want %d: %s", status, rowsOf(page), tt.rows, page)
			}
			for _, w := range tt.want {
				if !strings.Contains(page, w) {
					t.Errorf("no %q", w)
				}
			}
		})
	}
	if status, _ := get(r.employee, "/admin/people"); status != http.StatusForbidden {
		t.Errorf("employee: %d, want 403", status)
	}

	t.Run("RecordIsAudited", func(t *testing.T) {
		status, page := get(r.auditor, "/admin/people/P2")
		if status != http.StatusOK {
			t.Fatalf("got %d", status)
		}
		for _, w := range []string{"<h1>Person P2</h1>", r.ps["P2"].email, "Roster revisions, newest first", "person.created", "Assignments", "email reachable"} {
			if !strings.Contains(page, w) {
				t.Errorf("no %q in the record", w)
			}
		}
		records := map[any]bool{}
		for _, ev := range r.eventsOf("person.read") {
			if ev.Actor == identity.PersonActor("AUD") && ev.Subject == identity.PersonRef("P2") {
				records[ev.Details["record"]] = true
			}
		}
		if !records["profile"] || !records["notifications"] {
			t.Errorf("person.read events by AUD of P2 cover %v, want the profile and the notifications the page shows", records)
		}
		if status, _ := get(r.admin, "/admin/people/NOBODY"); status != http.StatusNotFound {
			t.Errorf("unknown id: %d, want 404", status)
		}
	})
}
