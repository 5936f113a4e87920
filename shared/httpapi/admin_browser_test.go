package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserAdminConsole drives the admin console at 375 px and at 1280 px
// without typing any URL but the first: an admin signs in, follows the
// header's link to the overview, grants a waiver with the form and finds it
// listed, then pauses reminder email. No page scrolls sideways.
func TestBrowserAdminConsole(t *testing.T) {
	t.Parallel()
	browser := chromium(t)
	for _, size := range []struct {
		name          string
		width, height int
	}{{"phone", 375, 812}, {"desktop", 1280, 800}} {
		t.Run(size.name, func(t *testing.T) {
			c := newConsoleEnv(t)
			e := c.env
			mods, _ := e.app.Catalog.ItemsForRoles([]string{"all-staff"})
			p := newScreen(t, browser, "admin-console-"+size.name, size.width, size.height)
			p.signIn(e, "ADM")

			p.load(http.StatusOK, "/admin", chromedp.Click(chromedp.CSS(`header a[href="/admin"]`)))
			if h := p.text("h1"); h != "Organisation overview" {
				t.Fatalf("/admin title %q", h)
			}
			if row := p.text("#departments-table tfoot tr"); !strings.HasPrefix(row, "Organisation\t6\t") {
				t.Errorf("the organisation's row reads %q", row)
			}
			p.fitsWidth("/admin")
			p.shot("overview")

			p.load(http.StatusOK, "/admin/waivers", chromedp.Click(chromedp.CSS(`nav.adminnav a[href="/admin/waivers"]`)))
			p.fitsWidth("/admin/waivers")
			p.shot("waivers")
			p.do(
				chromedp.SendKeys(chromedp.CSS("#employeeId"), "E1"),
				chromedp.SetValue(chromedp.CSS("#item"), "module:"+mods[0].ID),
				chromedp.SendKeys(chromedp.CSS("#reason"), "On parental leave"),
				chromedp.SendKeys(chromedp.CSS("#approver"), "CISO"),
				chromedp.SetValue(chromedp.CSS("#expiresOn"), e.now.AddDate(0, 2, 0).Format(time.DateOnly)),
			)
			p.shot("waiver-form")
			resp, err := chromedp.RunResponse(p.ctx, chromedp.Click(chromedp.CSS(`form[action="/admin/waivers"] button[type=submit]`)))
			if err != nil || resp == nil || resp.Status != http.StatusOK || !strings.Contains(resp.URL, "/admin/waivers?granted=wvr_") {
				t.Fatalf("granting: %v %+v", err, resp)
			}
			if note := p.text("main .notice"); !strings.HasPrefix(note, "Waiver wvr_") {
				t.Errorf("after granting: %q", note)
			}
			row := p.text("#waivers tbody tr")
			for _, want := range []string{"Person E1", mods[0].Title, "On parental leave", "CISO", "active"} {
				if !strings.Contains(row, want) {
					t.Errorf("the listed waiver %q lacks %q", row, want)
				}
			}
			p.fitsWidth("/admin/waivers after granting")
			p.shot("waiver-granted")

			p.load(http.StatusOK, "/admin/settings", chromedp.Click(chromedp.CSS(`nav.adminnav a[href="/admin/settings"]`)))
			p.fitsWidth("/admin/settings")
			p.shot("settings")
			p.load(http.StatusOK, "/admin/settings", chromedp.Click(chromedp.Search(`//button[normalize-space()="Pause reminder email"]`)))
			if state := p.text("#sending-state"); !strings.HasPrefix(state, "Paused.") {
				t.Errorf("after pausing: %q", state)
			}
			if b := p.text(`form[action="/admin/settings"] button`); b != "Resume reminder email" {
				t.Errorf("after pausing the button reads %q", b)
			}
			p.fitsWidth("/admin/settings after pausing")
			p.shot("paused")
			if st, err := e.app.OrgConfig.Settings(context.Background()); err != nil || !st.SendingPaused {
				t.Errorf("stored settings: %+v %v", st, err)
			}
		})
	}
}
