package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/attest-oss/attest/content"
	"github.com/attest-oss/attest/shared/httpapi/contracttest"
)

// browser is a person at the running make dev program: a cookie jar, and
// every exchange held to the OpenAPI document. It does not follow
// redirects, so that each step sees the 303 it gets.
type browser struct {
	t      *testing.T
	base   string
	client *http.Client
}

func newBrowser(t *testing.T, base string) *browser {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, base: base, client: contracttest.Load(t).Client(t, jar)}
}

// page is one answer: status, location (of a redirect) and body.
type page struct {
	status   int
	location string
	header   http.Header
	body     string
}

func (b *browser) send(method, path, key, contentType string, body []byte) page {
	b.t.Helper()
	target := path
	if !strings.HasPrefix(path, "http") {
		target = b.base + path
	}
	req, err := http.NewRequest(method, target, bytes.NewReader(body))
	if err != nil {
		b.t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	return page{status: resp.StatusCode, location: resp.Header.Get("Location"), header: resp.Header, body: string(raw)}
}

// get fetches path and expects status want.
func (b *browser) get(path string, want int) page {
	b.t.Helper()
	p := b.send(http.MethodGet, path, "", "", nil)
	if p.status != want {
		b.t.Fatalf("GET %s: %d, want %d\n%s", path, p.status, want, p.body)
	}
	return p
}

// post submits a form (url-encoded) to path and expects status want.
func (b *browser) post(path string, form url.Values, want int) page {
	b.t.Helper()
	p := b.send(http.MethodPost, path, "", "application/x-www-form-urlencoded", []byte(form.Encode()))
	if p.status != want {
		b.t.Fatalf("POST %s: %d, want %d\n%s", path, p.status, want, p.body)
	}
	return p
}

// postMultipart submits a multipart form to path, with file (if any) as
// the field fileField, and expects status want.
func (b *browser) postMultipart(path string, form url.Values, fileField, fileName string, file []byte, want int) page {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range form {
		for _, v := range vs {
			if err := mw.WriteField(k, v); err != nil {
				b.t.Fatal(err)
			}
		}
	}
	if fileField != "" {
		fw, err := mw.CreateFormFile(fileField, fileName)
		if err != nil {
			b.t.Fatal(err)
		}
		_, _ = fw.Write(file)
	}
	if err := mw.Close(); err != nil {
		b.t.Fatal(err)
	}
	p := b.send(http.MethodPost, path, "", mw.FormDataContentType(), buf.Bytes())
	if p.status != want {
		b.t.Fatalf("POST %s: %d, want %d\n%s", path, p.status, want, p.body)
	}
	return p
}

// signIn follows an emailed sign-in link as a person does: the
// confirmation page, then its form, which sets the session and sends them
// to /me.
func (b *browser) signIn(link string) page {
	b.t.Helper()
	confirm := b.get(link, http.StatusOK)
	f := formOf(b.t, confirm.body, "")
	action := f.action
	if action == "" { // a form without an action posts to the page's own URL
		action = link
	}
	if f.method != "post" {
		b.t.Fatalf("the link's page has no POST form:\n%s", confirm.body)
	}
	done := b.post(action, f.fields, http.StatusSeeOther)
	if done.location != "/me" {
		b.t.Fatalf("signing in sent to %q, want /me", done.location)
	}
	if !slices.ContainsFunc(done.header.Values("Set-Cookie"), func(c string) bool { return strings.HasPrefix(c, "attest_session=") }) {
		b.t.Fatalf("signing in set no session cookie: %v", done.header.Values("Set-Cookie"))
	}
	return b.get("/me", http.StatusOK)
}

// apiJSON fetches path with the key and decodes its JSON into out.
func (b *browser) apiJSON(path, key string, out any) {
	b.t.Helper()
	p := b.send(http.MethodGet, path, key, "", nil)
	if p.status != http.StatusOK {
		b.t.Fatalf("GET %s: %d %s", path, p.status, p.body)
	}
	if err := json.Unmarshal([]byte(p.body), out); err != nil {
		b.t.Fatalf("GET %s: %v\n%s", path, err, p.body)
	}
}

// form is an HTML form of a page: where it goes and its fields' values
// (hidden inputs, checked radios, text inputs, selected options).
type form struct {
	action, method string
	fields         url.Values
}

var (
	formRE   = regexp.MustCompile(`(?s)<form\b([^>]*)>(.*?)</form>`)
	inputRE  = regexp.MustCompile(`<input\b[^>]*>`)
	attrRE   = regexp.MustCompile(`([a-zA-Z-]+)(?:="([^"]*)")?`)
	tagRE    = regexp.MustCompile(`<[^>]*>`)
	spacesRE = regexp.MustCompile(`\s+`)
)

// attrs reads a tag's attributes.
func attrs(tag string) map[string]string {
	out := map[string]string{}
	tag = strings.TrimSuffix(strings.TrimPrefix(tag, "<"), ">")
	for _, m := range attrRE.FindAllStringSubmatch(tag, -1)[1:] {
		out[strings.ToLower(m[1])] = html.UnescapeString(m[2])
	}
	return out
}

// forms returns the page's forms.
func forms(body string) []form {
	var out []form
	for _, m := range formRE.FindAllStringSubmatch(body, -1) {
		a := attrs("<form " + m[1] + ">")
		f := form{action: a["action"], method: strings.ToLower(a["method"]), fields: url.Values{}}
		for _, in := range inputRE.FindAllString(m[2], -1) {
			ia := attrs(in)
			if ia["name"] == "" || ia["type"] == "file" || ((ia["type"] == "radio" || ia["type"] == "checkbox") && !hasAttr(in, "checked")) {
				continue
			}
			f.fields.Add(ia["name"], ia["value"])
		}
		out = append(out, f)
	}
	return out
}

func hasAttr(tag, name string) bool {
	return regexp.MustCompile(`\s` + name + `[\s>=/]`).MatchString(tag)
}

// formOf returns the page's form posting to action ("" for the first
// form), or fails the test.
func formOf(t *testing.T, body, action string) form {
	t.Helper()
	for _, f := range forms(body) {
		if action == "" || f.action == action {
			return f
		}
	}
	t.Fatalf("no form with action %q on the page:\n%s", action, body)
	return form{}
}

// text is the text of an HTML fragment, spaces collapsed.
func text(fragment string) string {
	return strings.TrimSpace(spacesRE.ReplaceAllString(html.UnescapeString(tagRE.ReplaceAllString(fragment, "")), " "))
}

// between returns the part of body from the first start to the next end
// after it, or fails the test.
func between(t *testing.T, body, start, end string) string {
	t.Helper()
	_, rest, ok := strings.Cut(body, start)
	if !ok {
		t.Fatalf("no %q on the page:\n%s", start, body)
	}
	in, _, ok := strings.Cut(rest, end)
	if !ok {
		t.Fatalf("no %q after %q on the page", end, start)
	}
	return in
}

// totals reads a page's list of totals (<ul class="totals">): each
// figure by its label.
func totals(t *testing.T, body, label string) map[string]string {
	t.Helper()
	list := between(t, body, `<ul class="totals" aria-label="`+label+`">`, "</ul>")
	out := map[string]string{}
	for _, m := range regexp.MustCompile(`<li><strong>([^<]*)</strong>([^<]*)</li>`).FindAllStringSubmatch(list, -1) {
		out[strings.TrimSpace(m[2])] = html.UnescapeString(m[1])
	}
	if len(out) == 0 {
		t.Fatalf("no totals in %q", list)
	}
	return out
}

// rows splits a table body into its rows, each into its cells' text.
func rows(tbody string) [][]string {
	var out [][]string
	for _, tr := range regexp.MustCompile(`(?s)<tr\b[^>]*>(.*?)</tr>`).FindAllStringSubmatch(tbody, -1) {
		var cells []string
		for _, c := range regexp.MustCompile(`(?s)<t[hd]\b[^>]*>(.*?)</t[hd]>`).FindAllStringSubmatch(tr[1], -1) {
			cells = append(cells, c[1])
		}
		out = append(out, cells)
	}
	return out
}

// teamJSON is what the test reads of GET /api/teams/{managerId}.
type teamJSON struct {
	Totals struct {
		People, Completed, OnTrack, Overdue, Waived int
	} `json:"totals"`
	People []teamPerson `json:"people"`
}

type teamPerson struct {
	EmployeeID  string `json:"employeeId"`
	Name        string `json:"name"`
	Department  string `json:"department"`
	Depth       int    `json:"depth"`
	Assignments []struct {
		ModuleID    string  `json:"moduleId"`
		Cycle       int     `json:"cycle"`
		Status      string  `json:"status"`
		DaysOverdue int     `json:"daysOverdue"`
		WaiverID    *string `json:"waiverId"`
	} `json:"assignments"`
}

// overdue returns the modules the person is overdue with.
func (v teamJSON) overdue(id string) []string {
	var out []string
	for _, p := range v.People {
		if p.EmployeeID == id {
			for _, a := range p.Assignments {
				if a.Status == "overdue" {
					out = append(out, a.ModuleID)
				}
			}
		}
	}
	return out
}

// statusOf returns the status of the person's assignment of the module.
func (v teamJSON) statusOf(id, module string) (status string, waiverID string) {
	for _, p := range v.People {
		for _, a := range p.Assignments {
			if p.EmployeeID == id && a.ModuleID == module {
				if a.WaiverID != nil {
					waiverID = *a.WaiverID
				}
				return a.Status, waiverID
			}
		}
	}
	return "", ""
}

// teamRow is a row of the /team page.
type teamRow struct {
	id, name string
	overdue  bool
	items    []string // each item's "status: label"
	nudge    *form
}

var (
	teamRowRE  = regexp.MustCompile(`(?s)<tr( class="overdue")?>\s*<th scope="row">(.*?)<br><span class="muted">([^<]*)</span>(.*?)</th>(.*?)</tr>`)
	teamItemRE = regexp.MustCompile(`<li><span class="status ([a-z_]+)">([^<]*)</span>`)
)

// teamRows reads the /team page's table.
func teamRows(t *testing.T, body string) []teamRow {
	t.Helper()
	var out []teamRow
	for _, m := range teamRowRE.FindAllStringSubmatch(between(t, body, `<table class="team">`, "</table>"), -1) {
		r := teamRow{id: html.UnescapeString(m[3]), name: text(m[2]), overdue: m[1] != ""}
		if fs := forms(m[4]); len(fs) == 1 {
			r.nudge = &fs[0]
		}
		for _, it := range teamItemRE.FindAllStringSubmatch(m[5], -1) {
			r.items = append(r.items, it[1]+": "+html.UnescapeString(it[2]))
		}
		out = append(out, r)
	}
	return out
}

// checkTeamPage holds the /team page to the team's JSON: the same people
// in the same order (overdue first), the same statuses with the days
// overdue, and the same totals.
func checkTeamPage(t *testing.T, body string, v teamJSON) []teamRow {
	t.Helper()
	got := teamRows(t, body)
	if len(got) != len(v.People) {
		t.Fatalf("/team shows %d people, the API %d", len(got), len(v.People))
	}
	for i, p := range v.People {
		r := got[i]
		var want []string
		for _, a := range p.Assignments {
			switch a.Status {
			case "overdue":
				want = append(want, fmt.Sprintf("overdue: Overdue %d %s", a.DaysOverdue, map[bool]string{true: "day", false: "days"}[a.DaysOverdue == 1]))
			case "on_track":
				want = append(want, "on_track: On track, due") // the date is in the viewer's zone
			default:
				want = append(want, a.Status+": ")
			}
		}
		same := r.id == p.EmployeeID && len(r.items) == len(want)
		for j := 0; same && j < len(want); j++ {
			same = strings.HasPrefix(r.items[j], want[j])
		}
		if !same || r.overdue != (len(v.overdue(p.EmployeeID)) > 0) {
			t.Errorf("/team row %d: %s %v (overdue %v); the API: %s %v", i+1, r.id, r.items, r.overdue, p.EmployeeID, want)
		}
	}
	figures := totals(t, body, "Team totals")
	for label, want := range map[string]int{"people": v.Totals.People, "overdue": v.Totals.Overdue, "on track": v.Totals.OnTrack, "completed": v.Totals.Completed, "waived": v.Totals.Waived} {
		if figures[label] != strconv.Itoa(want) {
			t.Errorf("/team totals: %s %s, the API %d", figures[label], label, want)
		}
	}
	return got
}

// link returns the printed sign-in link of the demo person id.
func link(t *testing.T, output, id string) string {
	t.Helper()
	m := regexp.MustCompile(`Sign in as \S+\s+(\S+)\s+\([^)]*, ` + id + `\)`).FindStringSubmatch(output)
	if m == nil {
		t.Fatalf("make dev printed no sign-in link for %s:\n%s", id, output)
	}
	return m[1]
}

// demoJourneys runs issue 9's acceptance on the demo organisation's year,
// through HTTP against the running make dev program: a manager signs in
// from the printed link, sees who in their subtree is behind and by how
// much, nudges one, downloads the list; an admin signs in, sees the
// organisation by department, uploads a roster with a preview, applies it,
// grants a waiver, and the manager's view shows it.
func demoJourneys(t *testing.T, base, output, key string) {
	const managerID, adminID, rootID = "E002", "E050", "E001"
	manager := newBrowser(t, base)
	var team teamJSON
	var overduePerson, overdueModule string

	t.Run("Manager", func(t *testing.T) {
		manager.t = t
		me := manager.signIn(link(t, output, managerID))
		if !strings.Contains(me.body, `<a href="/team">`) {
			t.Fatalf("/me of the manager has no link to /team:\n%s", me.body)
		}
		page := manager.get("/team", http.StatusOK)
		manager.apiJSON("/api/teams/"+managerID+"?scope=all", "", &team)
		rows := checkTeamPage(t, page.body, team)
		if len(rows) == 0 || !rows[0].overdue || team.Totals.Overdue == 0 {
			t.Fatalf("the demo manager's team shows nobody overdue first: %d rows, %d overdue", len(rows), team.Totals.Overdue)
		}
		// The whole subtree: people behind below the manager's own reports too.
		if !slices.ContainsFunc(team.People, func(p teamPerson) bool { return p.Depth > 1 && len(team.overdue(p.EmployeeID)) > 0 }) {
			t.Errorf("nobody below the demo manager's direct reports is overdue; the team view's depth goes unshown")
		}

		// Nudge the first overdue person who can be nudged, through the
		// row's form; a second nudge the same day is refused.
		var nudged *teamRow
		for i := range rows {
			if rows[i].overdue && rows[i].nudge != nil {
				nudged = &rows[i]
				break
			}
		}
		if nudged == nil {
			t.Fatal("no overdue row of /team has a nudge form")
		}
		overduePerson, overdueModule = nudged.id, team.overdue(nudged.id)[0]
		done := manager.post(nudged.nudge.action, nudged.nudge.fields, http.StatusSeeOther)
		after := manager.get(done.location, http.StatusOK)
		if want := "Reminder sent to " + html.EscapeString(nudged.name) + "."; !strings.Contains(after.body, want) {
			t.Errorf("after the nudge, %s does not say %q:\n%s", done.location, want, after.body)
		}
		again := manager.post(nudged.nudge.action, nudged.nudge.fields, http.StatusConflict)
		if !strings.Contains(again.body, "Not sent:") {
			t.Errorf("a second nudge the same day: no refusal on the page:\n%s", again.body)
		}

		// The CSV the page links to: a row per person and assignment, as
		// the JSON has them.
		href := regexp.MustCompile(`<a href="([^"]*)" download>`).FindStringSubmatch(page.body)
		if href == nil {
			t.Fatal("/team has no CSV download link")
		}
		file := manager.get(html.UnescapeString(href[1]), http.StatusOK)
		if ct := file.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Errorf("the download is %q, want CSV", ct)
		}
		records, err := csv.NewReader(strings.NewReader(file.body)).ReadAll()
		if err != nil || len(records) < 2 {
			t.Fatalf("the CSV (%v):\n%s", err, file.body)
		}
		col := map[string]int{}
		for i, h := range records[0] {
			col[h] = i
		}
		var want [][3]string
		for _, p := range team.People {
			for _, a := range p.Assignments {
				want = append(want, [3]string{p.EmployeeID, a.ModuleID, a.Status})
			}
			if len(p.Assignments) == 0 {
				want = append(want, [3]string{p.EmployeeID, "", ""})
			}
		}
		var got [][3]string
		for _, r := range records[1:] {
			got = append(got, [3]string{r[col["employee_id"]], r[col["module_id"]], r[col["status"]]})
		}
		if !slices.Equal(got, want) {
			t.Errorf("the CSV's (person, module, status) rows:\n%v\nthe JSON's:\n%v", got, want)
		}
	})
	if overduePerson == "" {
		t.Fatal("the manager's journey found no overdue person for the admin's")
	}

	t.Run("Admin", func(t *testing.T) {
		admin := newBrowser(t, base)
		manager.t = t
		admin.signIn(link(t, output, adminID))

		// The organisation by department, as the team view counts it: each
		// department but the root's is the root's subtree in it.
		var root struct {
			Person struct {
				Department string `json:"department"`
			} `json:"person"`
		}
		admin.apiJSON("/api/people/"+rootID, key, &root)
		overview := admin.get("/admin", http.StatusOK)
		departments := rows(between(t, between(t, overview.body, `<table class="console" id="departments-table">`, "</table>"), "<tbody>", "</tbody>"))
		compared := 0
		for _, r := range departments {
			if len(r) != 8 {
				t.Fatalf("/admin: a department row of %d cells: %q", len(r), r)
			}
			name := text(r[0])
			if name == root.Person.Department {
				continue
			}
			var v teamJSON
			admin.apiJSON("/api/teams/"+rootID+"?scope=all&department="+url.QueryEscape(name), key, &v)
			got := []string{text(r[1]), text(r[2]), text(r[3]), text(r[4]), text(r[5])}
			want := []string{strconv.Itoa(v.Totals.People), strconv.Itoa(v.Totals.Completed), strconv.Itoa(v.Totals.OnTrack), strconv.Itoa(v.Totals.Overdue), strconv.Itoa(v.Totals.Waived)}
			if !slices.Equal(got, want) || v.Totals.People == 0 {
				t.Errorf("/admin: %s: people, completed, on track, overdue, waived %v; the team view of %s in it: %v", name, got, rootID, want)
			}
			compared++
		}
		if compared < 3 {
			t.Errorf("/admin shows %d departments besides the root's, want the demo's several:\n%q", compared, departments)
		}

		// The roster: the demo's file with one person's department changed
		// and one new hire, uploaded as a whole (upsert). Its preview is the
		// unchanged file's, plus that creation and that change.
		demo, err := content.FS.ReadFile("demo/roster.csv")
		if err != nil {
			t.Fatal(err)
		}
		changed := team.People[len(team.People)-1]
		if changed.EmployeeID == overduePerson {
			changed = team.People[0]
		}
		const newDepartment, hireID, hireName = "Platform Engineering", "E100", "Ines Carvalho"
		lines := strings.Split(strings.TrimSuffix(string(demo), "\n"), "\n")
		edited := false
		for i, l := range lines {
			if strings.HasPrefix(l, changed.EmployeeID+",") {
				cells := strings.Split(l, ",")
				if cells[5] != changed.Department {
					t.Fatalf("roster.csv gives %s department %q, the API %q", changed.EmployeeID, cells[5], changed.Department)
				}
				cells[5] = newDepartment
				lines[i], edited = strings.Join(cells, ","), true
			}
		}
		if !edited {
			t.Fatalf("%s is not in content/demo/roster.csv", changed.EmployeeID)
		}
		today := time.Now().UTC().Format(time.DateOnly)
		lines = append(lines, fmt.Sprintf("%s,ines.carvalho@example.com,%s,all-staff;engineer,%s,Engineering,employee,,,%s,,Europe/Lisbon", hireID, hireName, managerID, today))
		upload := []byte(strings.Join(lines, "\n") + "\n")

		uploadPage := admin.get("/admin/roster", http.StatusOK)
		f := formOf(t, uploadPage.body, "/admin/roster/preview")
		f.fields.Set("mode", "upsert")
		baseline := previewOf(t, admin.postMultipart(f.action, f.fields, "roster", "roster.csv", demo, http.StatusOK).body)
		preview := admin.postMultipart(f.action, f.fields, "roster", "roster.csv", upload, http.StatusOK)
		got := previewOf(t, preview.body)
		wantCreated := append(slices.Clone(baseline.created), hireID)
		wantUpdated := append(slices.Clone(baseline.updated), changed.EmployeeID+": department: "+changed.Department+" → "+newDepartment)
		slices.Sort(wantCreated)
		slices.Sort(wantUpdated)
		if !slices.Equal(got.created, wantCreated) || !slices.Equal(got.updated, wantUpdated) || got.figures["deactivated"] != baseline.figures["deactivated"] {
			t.Errorf("the preview: created %q, changed %q, %s deactivated;\nwant created %q, changed %q, %s deactivated",
				got.created, got.updated, got.figures["deactivated"], wantCreated, wantUpdated, baseline.figures["deactivated"])
		}
		if got.figures["created"] != strconv.Itoa(len(wantCreated)) || got.figures["updated"] != strconv.Itoa(len(wantUpdated)) {
			t.Errorf("the preview's figures %v, want %d created and %d updated", got.figures, len(wantCreated), len(wantUpdated))
		}
		apply := formOf(t, preview.body, "/admin/roster/apply")
		applied := admin.postMultipart(apply.action, apply.fields, "", "", nil, http.StatusOK)
		if figures := totals(t, applied.body, "What the upload changed"); figures["created"] != got.figures["created"] || figures["updated"] != got.figures["updated"] {
			t.Errorf("applied: %v, previewed %v", figures, got.figures)
		}
		var hire, moved struct {
			Person struct {
				Department string `json:"department"`
				ManagerID  string `json:"managerId"`
			} `json:"person"`
			Active bool `json:"active"`
		}
		admin.apiJSON("/api/people/"+hireID, key, &hire)
		admin.apiJSON("/api/people/"+changed.EmployeeID, key, &moved)
		if !hire.Active || hire.Person.ManagerID != managerID || moved.Person.Department != newDepartment {
			t.Errorf("after applying: the hire %+v, %s %+v", hire, changed.EmployeeID, moved)
		}

		// A waiver for the overdue person's module: the organisation has
		// one overdue assignment fewer and one waived more, the waiver is
		// listed, and the manager's team view shows the item waived.
		before := totals(t, admin.get("/admin", http.StatusOK).body, "Organisation totals")
		waivers := admin.get("/admin/waivers", http.StatusOK)
		grant := formOf(t, waivers.body, "/admin/waivers")
		grant.fields.Set("employeeId", overduePerson)
		grant.fields.Set("item", "module:"+overdueModule)
		grant.fields.Set("reason", "On secondment to a customer site until the new year")
		grant.fields.Set("approver", "Lukas Brandt (Head of Engineering)")
		grant.fields.Set("expiresOn", time.Now().UTC().AddDate(0, 0, 30).Format(time.DateOnly))
		granted := admin.post(grant.action, grant.fields, http.StatusSeeOther)
		waiverID := strings.TrimPrefix(granted.location, "/admin/waivers?granted=")
		if waiverID == granted.location || waiverID == "" {
			t.Fatalf("granting sent to %q", granted.location)
		}
		listed := admin.get(granted.location, http.StatusOK)
		label := html.UnescapeString(between(t, waivers.body, `<option value="module:`+overdueModule+`">`, "</option>"))
		var row []string
		for _, r := range rows(between(t, listed.body, `<table class="console" id="waivers">`, "</table>")) {
			if len(r) == 7 && strings.Contains(r[6], waiverID) {
				row = []string{text(r[0]), text(r[1]), text(r[2])}
			}
		}
		if !strings.Contains(listed.body, "Waiver "+waiverID+" granted.") || len(row) == 0 ||
			!strings.HasSuffix(row[0], overduePerson) || row[1] != label || row[2] != grant.fields.Get("reason") {
			t.Errorf("the waiver %s of %s, %s is not listed as granted: %q\n%s", waiverID, overduePerson, label, row, listed.body)
		}
		after := totals(t, admin.get("/admin", http.StatusOK).body, "Organisation totals")
		for label, delta := range map[string]int{"waived": 1, "overdue": -1} {
			b, _ := strconv.Atoi(before[label])
			a, _ := strconv.Atoi(after[label])
			if a != b+delta {
				t.Errorf("/admin: %s %d before the waiver, %d after; want %+d", label, b, a, delta)
			}
		}

		var now teamJSON
		manager.apiJSON("/api/teams/"+managerID+"?scope=all", "", &now)
		if status, id := now.statusOf(overduePerson, overdueModule); status != "waived" || id != waiverID {
			t.Errorf("the manager's view of %s's %s: %q (waiver %q), want waived by %s", overduePerson, overdueModule, status, id, waiverID)
		}
		if now.Totals.Waived != team.Totals.Waived+1 {
			t.Errorf("the manager's team: %d waived, %d before the waiver", now.Totals.Waived, team.Totals.Waived)
		}
		checkTeamPage(t, manager.get("/team", http.StatusOK).body, now)
		if !slices.ContainsFunc(now.People, func(p teamPerson) bool {
			return p.EmployeeID == hireID
		}) {
			t.Errorf("the hire %s is not in the manager's team", hireID)
		}
	})
}

// preview is what the roster preview page lists.
type preview struct {
	figures map[string]string
	created []string // employee ids
	updated []string // "id: field: from → to", one per field
}

func previewOf(t *testing.T, body string) preview {
	t.Helper()
	p := preview{figures: totals(t, body, "What the upload changes")}
	if strings.Contains(body, `id="created-caption"`) {
		for _, r := range rows(between(t, between(t, body, `id="created-caption"`, "</table>"), "<tbody>", "</tbody>")) {
			p.created = append(p.created, text(r[1]))
		}
	}
	if strings.Contains(body, `id="updated-caption"`) {
		for _, r := range rows(between(t, between(t, body, `id="updated-caption"`, "</table>"), "<tbody>", "</tbody>")) {
			id := text(between(t, r[0], `<span class="muted">`, "</span>"))
			for _, li := range regexp.MustCompile(`(?s)<li>(.*?)</li>`).FindAllStringSubmatch(r[1], -1) {
				p.updated = append(p.updated, id+": "+text(li[1]))
			}
		}
	}
	slices.Sort(p.created)
	slices.Sort(p.updated)
	return p
}
