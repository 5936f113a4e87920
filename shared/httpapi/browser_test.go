package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/attest-oss/attest/shared/auth"
)

// screenshotDir is where the browser tests leave their screenshots, one
// folder per test: build/ at the repository root (go test runs in the
// package directory).
var screenshotDir = filepath.Join("..", "..", "build", "screenshots")

// chromiumHint says how to get the browser the browser test drives.
const chromiumHint = "Chromium is not installed; the browser test needs it. " +
	"`make test` installs it when run as root; otherwise run " +
	"`sudo apt-get update && sudo apt-get install -y --no-install-recommends chromium`"

// phone is a headless Chromium with a phone-sized window, on one tab.
type phone struct {
	t    *testing.T
	ctx  context.Context
	dir  string // where its screenshots go
	step int
}

// chromium returns the path of Chromium. It fails the test, never skips it,
// when Chromium is missing: CI must not pass without the browser test.
func chromium(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		path, err = exec.LookPath("/usr/bin/chromium")
	}
	if err != nil {
		t.Fatal(chromiumHint)
	}
	return path
}

// newPhone starts the Chromium at path, 375 px wide with a fresh profile,
// leaving its screenshots in the folder series of screenshotDir. Every
// action shares one deadline so that a hung browser fails the test instead
// of blocking it.
func newPhone(t *testing.T, path, series string) *phone {
	t.Helper()
	return newScreen(t, path, series, 375, 812)
}

// newScreen is newPhone with a window of width × height px (a desktop is
// 1280 × 800).
func newScreen(t *testing.T, path, series string, width, height int) *phone {
	t.Helper()
	dir := filepath.Join(screenshotDir, series)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Screenshots of an earlier run must not pass for this run's.
	old, _ := filepath.Glob(filepath.Join(dir, "[0-9][0-9]-*.png"))
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancelTimeout := context.WithTimeout(context.Background(), 60*time.Second)
	ctx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // the tests run as root
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(max(width, 500), height),
	)
	ctx, cancelTab := chromedp.NewContext(ctx)
	// Cleanups run last first: the tab, the browser, then the deadline, all
	// before the test's server closes (it was registered earlier).
	t.Cleanup(cancelTimeout)
	t.Cleanup(cancelAlloc)
	t.Cleanup(cancelTab)
	p := &phone{t: t, ctx: ctx, dir: dir}
	// Headless Chromium keeps windows at least 500 px wide, so the viewport
	// is narrowed as well. Desktop (not mobile) emulation keeps innerWidth at
	// 375 even when a page overflows, where a mobile one would zoom out.
	p.do(chromedp.EmulateViewport(int64(width), int64(height), chromedp.EmulatePortrait))
	if w := run(p, chromedp.Evaluate[int](`window.innerWidth`)); w != width {
		t.Fatalf("the window is %d px wide, want %d", w, width)
	}
	return p
}

// run runs one action and returns its value, failing the test on error.
func run[T any](p *phone, a chromedp.Action[T]) T {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, a)
	if err != nil {
		p.t.Fatalf("browser: %v", err)
	}
	return v
}

// do runs actions that return nothing, failing the test on error.
func (p *phone) do(steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.t.Fatalf("browser: %v", err)
	}
}

// load runs steps that start a navigation (opening a URL, clicking a link or
// a submit button), waits for the page and checks its status and path.
func (p *phone) load(wantStatus int, wantPath string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	resp, err := chromedp.RunResponse(p.ctx, steps...)
	if err != nil || resp == nil {
		p.t.Fatalf("browser: no page loaded (%v)", err)
	}
	if int(resp.Status) != wantStatus || !strings.HasSuffix(resp.URL, wantPath) {
		p.t.Fatalf("landed on %s with %d, want %s with %d", resp.URL, resp.Status, wantPath, wantStatus)
	}
}

// text returns the rendered text of the first element matching css.
func (p *phone) text(css string) string {
	p.t.Helper()
	return run(p, chromedp.Text(chromedp.CSS(css)))
}

// shot saves a full-page screenshot as build/screenshots/<series>/NN-name.png.
func (p *phone) shot(name string) {
	p.t.Helper()
	p.step++
	png := run(p, chromedp.FullScreenshot(100))
	if !bytes.HasPrefix(png, []byte("\x89PNG\r\n\x1a\n")) || len(png) < 1000 {
		p.t.Fatalf("screenshot %s: %d bytes, not a PNG", name, len(png))
	}
	path := filepath.Join(p.dir, fmt.Sprintf("%02d-%s.png", p.step, name))
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

// signIn signs the person in as their email's link would: it issues a link
// through the sign-in service, opens it and presses the button, landing on
// /me.
func (p *phone) signIn(e *env, employeeID string) {
	p.t.Helper()
	link, _, err := e.app.SignIn.IssueLink(context.Background(), employeeID, auth.LinkSignIn, "browser test", "127.0.0.1")
	if err != nil {
		p.t.Fatal(err)
	}
	path := link[strings.Index(link, "/l/"):]
	p.load(http.StatusOK, path, chromedp.Navigate(e.url+path))
	p.load(http.StatusOK, "/me", chromedp.Click(chromedp.CSS("main button[type=submit]")))
}

// fitsWidth checks that the page does not scroll sideways.
func (p *phone) fitsWidth(page string) {
	p.t.Helper()
	if !run(p, chromedp.Evaluate[bool](`document.documentElement.scrollWidth <= window.innerWidth`)) {
		w := run(p, chromedp.Evaluate[int](`document.documentElement.scrollWidth`))
		screen := run(p, chromedp.Evaluate[int](`window.innerWidth`))
		p.t.Errorf("%s is %d px wide, wider than the %d px screen", page, w, screen)
	}
}

// TestBrowserEmployeeJourney drives the employee's pages in headless Chromium
// on a phone-sized screen, clicking and typing as a person does: sign in by
// email link, open the first module, fail and then pass its quiz, read the
// receipt and see the module completed, then read and acknowledge the first
// policy.
func TestBrowserEmployeeJourney(t *testing.T) {
	t.Parallel()
	browser := chromium(t)
	e := newEnv(t)
	who := e.seedPeople("browser", "B1")["B1"]
	p := newPhone(t, browser, "employee")

	// Ask for a link.
	p.load(http.StatusOK, "/signin", chromedp.Navigate(e.url+"/signin"))
	p.do(chromedp.SendKeys(chromedp.CSS("#email"), who.email))
	p.shot("signin")
	p.load(http.StatusAccepted, "/auth/link", chromedp.Click(chromedp.CSS("main button[type=submit]")))
	if h := p.text("h1"); h != "Check your email" {
		t.Fatalf("after asking for a link: %q", h)
	}
	p.shot("link-sent")

	// Open the link from the email: a page with a button, nothing used up.
	mails := e.mailTo(who.email)
	if len(mails) != 1 {
		t.Fatalf("got %d emails, want 1", len(mails))
	}
	link := linkPattern.FindStringSubmatch(mails[0].Text)
	if link == nil {
		t.Fatalf("no link in the email: %q", mails[0].Text)
	}
	p.load(http.StatusOK, link[0], chromedp.Navigate(e.url+link[0]))
	if h, b := p.text("h1"), p.text("main button[type=submit]"); h != "Sign in to your training" || b != "Sign in" {
		t.Fatalf("confirmation page: %q with button %q", h, b)
	}
	if _, found, err := e.app.Store.SignInToken(context.Background(), auth.HashSecret(link[1])); err != nil || !found {
		t.Fatalf("opening the link used it up: found=%v err=%v", found, err)
	}
	p.shot("confirm")

	// Sign in and land on /me.
	p.load(http.StatusOK, "/me", chromedp.Click(chromedp.CSS("main button[type=submit]")))
	if h := p.text("h1"); h != "Hello, "+who.name {
		t.Errorf("greeting %q", h)
	}
	first := run(p, chromedp.AttributeValue(chromedp.CSS(`main a[href^="/me/modules/"]`), "href"))
	m, ok := e.app.Catalog.Module(strings.TrimPrefix(first.Value, "/me/modules/"))
	if !ok {
		t.Fatalf("the first link on /me is %q, not a module", first.Value)
	}
	if next := p.text("main .notice"); !strings.HasPrefix(next, "Next step: complete "+m.Title) {
		t.Errorf("next step %q, want the first module, %s", next, m.Title)
	}
	p.fitsWidth("/me")
	p.shot("me")

	// Open the first module and answer every question wrongly.
	p.load(http.StatusOK, first.Value, chromedp.Click(chromedp.CSS(`main a[href^="/me/modules/"]`)))
	if h := p.text("h1"); h != m.Title {
		t.Errorf("module page title %q, want %q", h, m.Title)
	}
	p.fitsWidth("the module page")
	p.shot("module")
	answer := func(a map[string]string, shot string) {
		t.Helper()
		for _, q := range m.Questions {
			p.do(chromedp.Click(chromedp.CSS(fmt.Sprintf(`label[for=%q]`, q.ID+"-"+a[q.ID]))))
		}
		p.shot(shot)
	}
	submit := chromedp.Click(chromedp.CSS(`form[action$="/attempts"] button[type=submit]`))
	answer(answers(m, 0), "answered-wrong")
	p.load(http.StatusOK, "/me/modules/"+m.ID+"/attempts", submit)
	if msg := p.text("main [role=alert]"); !strings.HasPrefix(msg, "You scored 0%") {
		t.Errorf("after a wrong answer: %q", msg)
	}
	p.shot("failed")

	// Answer correctly: the receipt.
	answer(answers(m, len(m.Questions)), "answered-right")
	p.load(http.StatusOK, "/me/modules/"+m.ID+"/receipt", submit)
	receipt := p.text("table.receipt")
	for _, want := range []string{m.Title, "100%", m.SHA256, "attempt 2"} {
		if !strings.Contains(receipt, want) {
			t.Errorf("the receipt lacks %q:\n%s", want, receipt)
		}
	}
	p.fitsWidth("the receipt")
	p.shot("receipt")

	// Back on /me the module is completed and no longer open.
	p.load(http.StatusOK, "/me", chromedp.Click(chromedp.CSS(`main a[href="/me"]`)))
	done := run(p, chromedp.Evaluate[string](`[...document.querySelectorAll("main h2")].find(h => h.textContent === "Completed")?.nextElementSibling?.innerText ?? ""`))
	if !strings.Contains(done, m.Title) || !strings.Contains(done, "score 100%") {
		t.Errorf("completed list %q, want %s with score 100%%", done, m.Title)
	}
	if n := run(p, chromedp.Evaluate[int](fmt.Sprintf(`document.querySelectorAll('main a[href="/me/modules/%s"]').length`, m.ID))); n != 0 {
		t.Errorf("the completed module is still offered %d times", n)
	}
	p.fitsWidth("/me after the module")
	p.shot("me-completed")

	// Open the first policy, read it for its minimum time and sign it.
	href := run(p, chromedp.AttributeValue(chromedp.CSS(`main a[href^="/me/policies/"]`), "href"))
	pol, ok := e.app.Catalog.Policy(strings.TrimPrefix(href.Value, "/me/policies/"))
	if !ok {
		t.Fatalf("the first policy link on /me is %q, not a policy", href.Value)
	}
	p.load(http.StatusOK, href.Value, chromedp.Click(chromedp.CSS(`main a[href^="/me/policies/"]`)))
	if h := p.text("h1"); h != pol.Title {
		t.Errorf("policy page title %q, want %q", h, pol.Title)
	}
	p.fitsWidth("the policy page")
	p.shot("policy")
	e.now = e.now.Add(time.Duration(pol.MinReadSeconds+1) * time.Second)
	p.do(
		chromedp.SendKeys(chromedp.CSS("#typedName"), who.name),
		chromedp.Click(chromedp.CSS(`label[for="understood"]`)),
	)
	p.shot("policy-signed")
	p.load(http.StatusOK, href.Value, chromedp.Click(chromedp.CSS(`form[action^="/me/policies/"] button[type=submit]`)))
	if note := p.text("main .notice"); !strings.Contains(note, "You acknowledged this policy") || !strings.Contains(note, who.name) {
		t.Errorf("after acknowledging: %q", note)
	}
	p.shot("policy-acknowledged")

	// Back on /me the policy shows as acknowledged.
	p.load(http.StatusOK, "/me", chromedp.Click(chromedp.CSS(`main a[href="/me"]`)))
	item := run(p, chromedp.Evaluate[string](fmt.Sprintf(`[...document.querySelectorAll("main li")].find(li => li.querySelector("strong")?.textContent === %q)?.innerText ?? ""`, pol.Title)))
	if !strings.HasPrefix(item, "Acknowledged") {
		t.Errorf("/me shows the policy as %q, want it acknowledged", item)
	}
	p.shot("me-acknowledged")
}

// TestBrowserAdminKeys drives the admin console's API keys on a phone-sized
// screen: an admin signs in, makes an hris key with the form, sees it once,
// finds it listed and revokes it; the key works in between and not after.
func TestBrowserAdminKeys(t *testing.T) {
	t.Parallel()
	browser := chromium(t)
	e := newEnv(t)
	admin := e.seedTeam("browser-admin.example.com", [3]string{"BA1", "all-staff;admin", ""})["BA1"]
	// What an hris key may send: the roster as it is, as a dry run.
	row := fmt.Sprintf("%s,%s,%s,all-staff;admin,,Ops,employee,,,2026-01-05,,UTC\n", admin.id, admin.email, admin.name)
	p := newPhone(t, browser, "admin-keys")
	p.signIn(e, admin.id)

	p.load(http.StatusOK, "/admin/keys", chromedp.Navigate(e.url+"/admin/keys"))
	if h := p.text("h1"); h != "API keys" {
		t.Fatalf("/admin/keys title %q", h)
	}
	p.fitsWidth("/admin/keys")
	p.shot("keys")
	p.do(
		chromedp.SendKeys(chromedp.CSS("#label"), "hr-sync"),
		chromedp.SetValue(chromedp.CSS("#role"), "hris"),
	)
	p.load(http.StatusOK, "/admin/keys", chromedp.Click(chromedp.CSS(`form[action="/admin/keys"] button[type=submit]`)))
	if h := p.text("h1"); h != "New API key: hr-sync" {
		t.Fatalf("after making a key: %q", h)
	}
	key := run(p, chromedp.Evaluate[string](`document.querySelector("#key").value`))
	if !strings.HasPrefix(key, auth.APIKeyPrefix) {
		t.Fatalf("the page shows %q, not a key", key)
	}
	p.fitsWidth("the new key page")
	p.shot("key-made")
	if status, _ := e.putRosterAs(key, "?mode=upsert&dryRun=true", "text/csv", header+row); status != http.StatusOK {
		t.Errorf("the new hris key's dry run: %d, want 200", status)
	}

	p.load(http.StatusOK, "/admin/keys", chromedp.Click(chromedp.CSS(`main a[href="/admin/keys"]`)))
	if body := p.text("main"); strings.Contains(body, key) || !strings.Contains(body, "hr-sync") {
		t.Errorf("the list shows the key or misses its label: %q", body)
	}
	p.load(http.StatusOK, "/admin/keys", chromedp.Click(chromedp.Search(`//button[normalize-space()="Revoke hr-sync"]`)))
	item := run(p, chromedp.Evaluate[string](`[...document.querySelectorAll("main ul.items li")].find(li => li.querySelector("strong")?.textContent === "hr-sync")?.innerText ?? ""`))
	if !strings.HasPrefix(item, "Revoked") {
		t.Errorf("after revoking, the key reads %q", item)
	}
	p.fitsWidth("/admin/keys after revoking")
	p.shot("key-revoked")
	if status, _ := e.putRosterAs(key, "?mode=upsert&dryRun=true", "text/csv", header+row); status != http.StatusUnauthorized {
		t.Errorf("the revoked key's dry run: %d, want 401", status)
	}
}

// TestBrowserAdminRoster drives the admin console's roster upload and
// people search at 375 and 1280 px: an admin signs in, uploads a CSV file
// with the file input, sees the preview, applies it, then finds the new
// person by name and opens their record.
func TestBrowserAdminRoster(t *testing.T) {
	t.Parallel()
	browser := chromium(t)
	for _, screen := range []struct {
		series        string
		width, height int
	}{{"admin-roster-phone", 375, 812}, {"admin-roster-desktop", 1280, 800}} {
		t.Run(screen.series, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			ps := e.seedTeam("browser-roster.example.com", [3]string{"RA1", "all-staff;admin", ""}, [3]string{"RE1", "all-staff", "RA1"})
			admin := ps["RA1"]
			// The upload: RE1 moves to Security; RN1, a new starter, joins.
			csv := header + fmt.Sprintf("%s,%s,%s,all-staff;admin,,Ops,employee,,,2026-01-05,,UTC\n", admin.id, admin.email, admin.name) +
				fmt.Sprintf("RE1,%s,Person RE1,all-staff,RA1,Security,employee,,,2026-01-05,,UTC\n", ps["RE1"].email) +
				"RN1,rn1-" + screen.series + "@browser-roster.example.com,Rosalind Newcomer,all-staff,RA1,Engineering Platform Reliability,employee,,,2026-11-02,,Europe/Amsterdam\n"
			file := filepath.Join(t.TempDir(), "roster.csv")
			if err := os.WriteFile(file, []byte(csv), 0o644); err != nil {
				t.Fatal(err)
			}
			p := newScreen(t, browser, screen.series, screen.width, screen.height)
			p.signIn(e, admin.id)

			p.load(http.StatusOK, "/admin/roster", chromedp.Navigate(e.url+"/admin/roster"))
			p.fitsWidth("/admin/roster")
			p.shot("upload")
			p.do(chromedp.SetUploadFiles(chromedp.CSS("#roster"), []string{file}), chromedp.Click(chromedp.CSS(`label[for="mode-sync"]`)))
			p.load(http.StatusOK, "/admin/roster/preview", chromedp.Click(chromedp.CSS(`form[action="/admin/roster/preview"] button[type=submit]`)))
			if h := p.text("h1"); h != "Roster preview" {
				t.Fatalf("after uploading: %q", h)
			}
			body := p.text("main")
			for _, want := range []string{"Rosalind Newcomer", "department: Ops → Security"} {
				if !strings.Contains(body, want) {
					t.Errorf("the preview misses %q: %s", want, body)
				}
			}
			p.fitsWidth("the preview")
			p.shot("preview")
			p.load(http.StatusOK, "/admin/roster/apply", chromedp.Click(chromedp.Search(`//button[normalize-space()="Apply"]`)))
			if h := p.text("h1"); h != "Roster applied" {
				t.Fatalf("after applying: %q %s", h, p.text("main"))
			}
			p.fitsWidth("the result")
			p.shot("applied")

			p.load(http.StatusOK, "/admin/people", chromedp.Click(chromedp.CSS(`nav.adminnav a[href="/admin/people"]`)))
			p.do(chromedp.SendKeys(chromedp.CSS("#q"), "newcomer"))
			p.load(http.StatusOK, "/admin/people?q=newcomer", chromedp.Click(chromedp.CSS(`form.search button[type=submit]`)))
			if got := p.text("#people-count"); !strings.HasPrefix(got, "1 person") {
				t.Errorf("the search says %q", got)
			}
			p.fitsWidth("the people list")
			p.shot("people")
			p.load(http.StatusOK, "/admin/people/RN1", chromedp.Click(chromedp.CSS(`a[href="/admin/people/RN1"]`)))
			if h := p.text("h1"); h != "Rosalind Newcomer" {
				t.Errorf("the record's title is %q", h)
			}
			p.fitsWidth("the record")
			p.shot("record")
		})
	}
}
