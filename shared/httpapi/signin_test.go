package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/auth"
	"github.com/attest-oss/attest/shared/devstack"
)

// person is a person of a sign-in test, with an address no other test uses
// (the SES emulator's mailbox is shared by the package).
type person struct {
	id, email, name string
}

// seedPeople imports people (active unless endDate is set) with unique addresses.
func (e *env) seedPeople(tag string, specs ...string) map[string]person {
	e.t.Helper()
	out := map[string]person{}
	csv := header
	for i, spec := range specs {
		id, endDate, _ := strings.Cut(spec, ":")
		p := person{id: id, email: fmt.Sprintf("%s-%s-%d@example.com", strings.ToLower(id), tag, time.Now().UnixNano()+int64(i)), name: "Person " + id}
		out[id] = p
		csv += fmt.Sprintf("%s,%s,%s,all-staff,,Ops,employee,,,2026-01-05,%s,Europe/Berlin\n", p.id, p.email, p.name, endDate)
	}
	if status, body := e.putRoster("", "text/csv", csv); status != http.StatusOK {
		e.t.Fatalf("seed: %d %v", status, body)
	}
	return out
}

// browser is an HTTP client with a cookie jar that does not follow redirects.
func (e *env) browser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (e *env) requestLink(c *http.Client, email string) int {
	e.t.Helper()
	resp, err := c.Post(e.url+"/auth/link", "application/json", strings.NewReader(fmt.Sprintf(`{"email": %q}`, email)))
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusAccepted && !strings.Contains(string(body), "If the address belongs to an active person") {
		e.t.Errorf("202 body %s", body)
	}
	return resp.StatusCode
}

var linkPattern = regexp.MustCompile(`/l/([A-Za-z0-9_-]{43})`)

// mailTo returns the messages the SES emulator holds for an address.
func (e *env) mailTo(email string) []devstack.Mail {
	e.t.Helper()
	all, err := e.stack.SentMail(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	var out []devstack.Mail
	for _, m := range all {
		for _, to := range m.To {
			if strings.EqualFold(to, email) {
				out = append(out, m)
			}
		}
	}
	return out
}

// linkFor requests a link for p and returns the token from the email.
func (e *env) linkFor(c *http.Client, p person) string {
	e.t.Helper()
	before := len(e.mailTo(p.email))
	if status := e.requestLink(c, p.email); status != http.StatusAccepted {
		e.t.Fatalf("link request: %d", status)
	}
	msgs := e.mailTo(p.email)
	if len(msgs) != before+1 {
		e.t.Fatalf("got %d new emails, want 1", len(msgs)-before)
	}
	m := linkPattern.FindStringSubmatch(msgs[len(msgs)-1].Text)
	if m == nil || !strings.Contains(msgs[len(msgs)-1].HTML, m[0]) {
		e.t.Fatalf("no link in the email: %q", msgs[len(msgs)-1].Text)
	}
	return m[1]
}

func (e *env) send(c *http.Client, method, path string, header http.Header, body string) (*http.Response, string) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.url+path, strings.NewReader(body))
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp, string(raw)
}

func TestSignInJourney(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ps := e.seedPeople("journey", "J1")
	c := e.browser()
	token := e.linkFor(c, ps["J1"])

	// GET (and HEAD, as mail scanners do) shows a page and changes nothing.
	for range 2 {
		resp, body := e.send(c, http.MethodGet, "/l/"+token, nil, "")
		if resp.StatusCode != http.StatusOK || !strings.Contains(body, `<form method="post">`) {
			t.Fatalf("GET link: %d %s", resp.StatusCode, body)
		}
		if resp.Header.Get("Referrer-Policy") != "no-referrer" || len(resp.Cookies()) != 0 {
			t.Errorf("GET link: referrer %q, cookies %v", resp.Header.Get("Referrer-Policy"), resp.Cookies())
		}
	}
	if resp, _ := e.send(c, http.MethodHead, "/l/"+token, nil, ""); resp.StatusCode != http.StatusOK {
		t.Errorf("HEAD link: %d", resp.StatusCode)
	}

	// POST consumes it: a session cookie and a redirect to /me.
	resp, _ := e.send(c, http.MethodPost, "/l/"+token, nil, "")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/me" {
		t.Fatalf("POST link: %d to %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	cookie := resp.Cookies()[0]
	if !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" {
		t.Errorf("cookie %+v", cookie)
	}

	resp, body := e.send(c, http.MethodGet, "/api/me", nil, "")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/me: %d %s", resp.StatusCode, body)
	}
	var me struct {
		Person      struct{ EmployeeID, Name string }
		Assignments []struct{ ModuleID, Status string }
		Policies    []struct{ PolicyID, VersionSHA256 string }
		CSRFToken   string
	}
	if err := json.Unmarshal([]byte(body), &me); err != nil {
		t.Fatal(err)
	}
	if me.Person.EmployeeID != "J1" || len(me.Assignments) != 4 || len(me.Policies) != 3 || len(me.CSRFToken) != 43 {
		t.Errorf("me %+v", me)
	}
	for _, a := range me.Assignments {
		if a.Status != "on_track" {
			t.Errorf("assignment %s is %s, want on_track", a.ModuleID, a.Status)
		}
	}

	resp, body = e.send(c, http.MethodGet, "/me", nil, "")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Hello, Person J1") || !strings.Contains(body, "Next step") {
		t.Errorf("GET /me: %d", resp.StatusCode)
	}

	// The link works once.
	if resp, _ := e.send(e.browser(), http.MethodPost, "/l/"+token, nil, ""); resp.StatusCode != http.StatusNotFound || len(resp.Cookies()) != 0 {
		t.Errorf("reused link: %d", resp.StatusCode)
	}

	// Sign-out needs the CSRF token, then ends the session.
	if resp, _ := e.send(c, http.MethodPost, "/auth/logout", nil, ""); resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign-out without CSRF token: %d, want 403", resp.StatusCode)
	}
	if resp, _ := e.send(c, http.MethodPost, "/auth/logout", http.Header{"X-Csrf-Token": {me.CSRFToken}, "Origin": {"https://evil.example"}}, ""); resp.StatusCode != http.StatusForbidden {
		t.Errorf("sign-out from another origin: %d, want 403", resp.StatusCode)
	}
	if resp, _ := e.send(c, http.MethodPost, "/auth/logout", http.Header{"X-Csrf-Token": {me.CSRFToken}}, ""); resp.StatusCode != http.StatusNoContent {
		t.Errorf("sign-out: %d, want 204", resp.StatusCode)
	}
	if resp, _ := e.send(c, http.MethodGet, "/api/me", nil, ""); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("after sign-out: %d, want 401", resp.StatusCode)
	}
	if resp, _ := e.send(c, http.MethodGet, "/me", nil, ""); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/signin" {
		t.Errorf("page after sign-out: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
}

func TestSignInLinkRequestsRevealNothing(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ps := e.seedPeople("reveal", "K1", "K2:2026-10-31")
	c := e.browser()

	tests := []struct {
		name, email string
		wantMail    int
	}{
		{"ActivePerson", ps["K1"].email, 1},
		{"ActivePersonOtherCase", strings.ToUpper(ps["K1"].email), 1},
		{"UnknownAddress", "nobody-reveal@example.com", 0},
		{"Leaver", ps["K2"].email, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(e.mailTo(tt.email))
			start := time.Now()
			if status := e.requestLink(c, tt.email); status != http.StatusAccepted {
				t.Fatalf("got %d, want 202", status)
			}
			if took := time.Since(start); took < 400*time.Millisecond {
				t.Errorf("answered in %v, under the floor that hides whether mail was sent", took)
			}
			if got := len(e.mailTo(tt.email)) - before; got != tt.wantMail {
				t.Errorf("got %d emails, want %d", got, tt.wantMail)
			}
		})
	}

	t.Run("NotAnAddress", func(t *testing.T) {
		resp, _ := e.send(c, http.MethodPost, "/auth/link", http.Header{"Content-Type": {"application/json"}}, `{"email": "A <a@b.c>"}`)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("got %d, want 422", resp.StatusCode)
		}
	})
	t.Run("FormPostShowsPage", func(t *testing.T) {
		resp, body := e.send(c, http.MethodPost, "/auth/link", http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, url.Values{"email": {"nobody-form@example.com"}}.Encode())
		if resp.StatusCode != http.StatusAccepted || !strings.Contains(body, "Check your email") {
			t.Errorf("got %d", resp.StatusCode)
		}
	})
}

// testSourceIP is a request header that the tests' server turns into the
// client's address, so that a test can send from several networks.
const testSourceIP = "X-Test-Source-Ip"

// fromTestIP moves the testSourceIP header, if any, into r.RemoteAddr.
func fromTestIP(r *http.Request) *http.Request {
	if ip := r.Header.Get(testSourceIP); ip != "" {
		r.RemoteAddr = net.JoinHostPort(ip, "40000")
		r.Header.Del(testSourceIP)
	}
	return r
}

// requestLinkFrom asks for a link for address from ip and returns the status.
func (e *env) requestLinkFrom(ip, address string) int {
	e.t.Helper()
	resp, _ := e.send(e.browser(), http.MethodPost, "/auth/link",
		http.Header{"Content-Type": {"application/json"}, testSourceIP: {ip}}, fmt.Sprintf(`{"email": %q}`, address))
	return resp.StatusCode
}

// requestLinksFrom asks for a link for each address from ip, several at a
// time (each answer takes the response floor), and counts the statuses.
func (e *env) requestLinksFrom(ip string, addresses []string) map[int]int {
	e.t.Helper()
	var (
		mu       sync.Mutex
		wg       sync.WaitGroup
		statuses = map[int]int{}
		next     = make(chan string)
	)
	for range 25 {
		wg.Go(func() {
			for a := range next {
				status := e.requestLinkFrom(ip, a)
				mu.Lock()
				statuses[status]++
				mu.Unlock()
			}
		})
	}
	for _, a := range addresses {
		next <- a
	}
	close(next)
	wg.Wait()
	return statuses
}

// TestSignInQuotaCannotLockOutAVictim: requests for someone's address from
// one network are limited (silently: still 202, no more email), but do not
// stop the person asking from their own network, and never touch the link
// of a reminder email.
func TestSignInQuotaCannotLockOutAVictim(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ps := e.seedPeople("victim", "V1")
	victim := ps["V1"]
	const attacker, office = "203.0.113.66", "198.51.100.20"
	for range 6 {
		if status := e.requestLinkFrom(attacker, victim.email); status != http.StatusAccepted {
			t.Fatalf("got %d, want 202 for every request of one address", status)
		}
	}
	if got := len(e.mailTo(victim.email)); got != 5 {
		t.Errorf("got %d emails for 6 requests from one network, want 5 (the per-address-and-network limit)", got)
	}
	if status := e.requestLinkFrom(attacker, strings.ToUpper(victim.email)); status != http.StatusAccepted || len(e.mailTo(victim.email)) != 5 {
		t.Errorf("the address in capitals: %d and %d emails, want 202 and still 5", status, len(e.mailTo(victim.email)))
	}

	// The victim, from their own network, still gets a link.
	if status := e.requestLinkFrom(office, victim.email); status != http.StatusAccepted {
		t.Fatalf("victim's request: %d", status)
	}
	if got := len(e.mailTo(victim.email)); got != 6 {
		t.Errorf("victim's own request sent %d emails, want 1", got-5)
	}

	// A reminder email's link is under no quota: issued and used while the
	// address is limited, from the limited network.
	link, _, err := e.app.SignIn.IssueLink(context.Background(), victim.id, auth.LinkReminder, "schedule", "test")
	if err != nil {
		t.Fatal(err)
	}
	_, token, _ := strings.Cut(link, "/l/")
	resp, _ := e.send(e.browser(), http.MethodPost, "/l/"+token, http.Header{testSourceIP: {attacker}}, "")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/me" {
		t.Errorf("reminder link while the address is limited: %d, want 303 to /me", resp.StatusCode)
	}
}

// TestSignInQuotaSparesAnOffice: many people behind one address (an office
// NAT) can all ask for links; only a flood far beyond that is refused, with
// 429 and a message saying so.
func TestSignInQuotaSparesAnOffice(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ps := e.seedPeople("office", "O1")
	const nat = "192.0.2.44"
	var colleagues []string
	for i := range 31 {
		colleagues = append(colleagues, fmt.Sprintf("colleague-%d@example.com", i))
	}
	if statuses := e.requestLinksFrom(nat, colleagues); statuses[http.StatusAccepted] != 31 {
		t.Fatalf("statuses %v, want 31 accepted", statuses)
	}
	if status := e.requestLinkFrom(nat, ps["O1"].email); status != http.StatusAccepted || len(e.mailTo(ps["O1"].email)) != 1 {
		t.Fatalf("after 31 requests from the office: %d and %d emails, want 202 and one", status, len(e.mailTo(ps["O1"].email)))
	}

	var flood []string
	for i := range 300 - 32 + 5 {
		flood = append(flood, fmt.Sprintf("flood-%d@example.com", i))
	}
	if statuses := e.requestLinksFrom(nat, flood); statuses[http.StatusAccepted] != 300-32 || statuses[http.StatusTooManyRequests] != 5 {
		t.Errorf("statuses %v, want %d accepted then 5 refused (300 an hour from one address)", statuses, 300-32)
	}
	resp, body := e.send(e.browser(), http.MethodPost, "/auth/link",
		http.Header{"Content-Type": {"application/json"}, testSourceIP: {nat}}, fmt.Sprintf(`{"email": %q}`, ps["O1"].email))
	if resp.StatusCode != http.StatusTooManyRequests || !strings.Contains(body, "too many sign-in requests from this network") {
		t.Errorf("over the ceiling: %d %s", resp.StatusCode, body)
	}
	// Another network is not affected.
	if status := e.requestLinkFrom("192.0.2.45", ps["O1"].email); status != http.StatusAccepted || len(e.mailTo(ps["O1"].email)) != 2 {
		t.Errorf("another network: %d and %d emails, want 202 and a second one", status, len(e.mailTo(ps["O1"].email)))
	}
}

func TestSignInHostileTokens(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ps := e.seedPeople("hostile", "H1", "H2")
	c := e.browser()

	t.Run("Forged", func(t *testing.T) {
		forged := strings.Repeat("A", 43)
		for _, method := range []string{http.MethodGet, http.MethodPost} {
			if resp, body := e.send(c, method, "/l/"+forged, nil, ""); resp.StatusCode != http.StatusNotFound || !strings.Contains(body, "no longer works") {
				t.Errorf("%s forged: %d", method, resp.StatusCode)
			}
		}
	})
	t.Run("Malformed", func(t *testing.T) {
		for _, tok := range []string{"short", strings.Repeat("A", 44), "%3Cscript%3E", strings.Repeat("x", 5000)} {
			if resp, body := e.send(c, http.MethodPost, "/l/"+tok, nil, ""); resp.StatusCode != http.StatusNotFound || strings.Contains(body, "<script>") {
				t.Errorf("malformed %q: %d", tok[:min(10, len(tok))], resp.StatusCode)
			}
		}
	})
	t.Run("Expired", func(t *testing.T) {
		token := e.linkFor(c, ps["H1"])
		e.now = e.now.Add(31 * time.Minute)
		t.Cleanup(func() { e.now = e.now.Add(-31 * time.Minute) })
		if resp, _ := e.send(c, http.MethodGet, "/l/"+token, nil, ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET expired: %d", resp.StatusCode)
		}
		if resp, _ := e.send(c, http.MethodPost, "/l/"+token, nil, ""); resp.StatusCode != http.StatusNotFound {
			t.Errorf("POST expired: %d", resp.StatusCode)
		}
	})
	t.Run("ConcurrentUseSignsInOnce", func(t *testing.T) {
		token := e.linkFor(c, ps["H2"])
		var wg sync.WaitGroup
		var mu sync.Mutex
		codes := map[int]int{}
		for range 8 {
			wg.Go(func() {
				resp, _ := e.send(e.browser(), http.MethodPost, "/l/"+token, nil, "")
				mu.Lock()
				codes[resp.StatusCode]++
				mu.Unlock()
			})
		}
		wg.Wait()
		if codes[http.StatusSeeOther] != 1 || codes[http.StatusNotFound] != 7 {
			t.Errorf("statuses %v, want one 303 and seven 404", codes)
		}
	})
	t.Run("ForgedCookie", func(t *testing.T) {
		jar, _ := cookiejar.New(nil)
		u, _ := url.Parse(e.url)
		jar.SetCookies(u, []*http.Cookie{{Name: "attest_session", Value: "H1." + strings.Repeat("B", 43)}})
		forged := &http.Client{Jar: jar}
		if resp, _ := e.send(forged, http.MethodGet, "/api/me", nil, ""); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("forged session: %d", resp.StatusCode)
		}
	})
	t.Run("SessionCookieRenamedToAnotherPerson", func(t *testing.T) {
		b := e.browser()
		token := e.linkFor(b, ps["H2"])
		resp, _ := e.send(b, http.MethodPost, "/l/"+token, nil, "")
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign in: %d", resp.StatusCode)
		}
		value := resp.Cookies()[0].Value
		_, secret, _ := strings.Cut(value, ".")
		if !strings.HasPrefix(value, "H2.") {
			t.Fatalf("cookie %q does not name its person", value)
		}
		jar, _ := cookiejar.New(nil)
		u, _ := url.Parse(e.url)
		jar.SetCookies(u, []*http.Cookie{{Name: "attest_session", Value: "H1." + secret}})
		if resp, _ := e.send(&http.Client{Jar: jar}, http.MethodGet, "/api/me", nil, ""); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("H2's session presented as H1's: %d, want 401", resp.StatusCode)
		}
	})
	t.Run("SessionEndsWhenPersonLeaves", func(t *testing.T) {
		b := e.browser()
		token := e.linkFor(b, ps["H1"])
		if resp, _ := e.send(b, http.MethodPost, "/l/"+token, nil, ""); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign in: %d", resp.StatusCode)
		}
		leave := header + fmt.Sprintf("H1,%s,Person H1,all-staff,,Ops,employee,,,2026-01-05,2026-11-01,Europe/Berlin\n", ps["H1"].email)
		if status, body := e.putRoster("?mode=upsert", "text/csv", leave); status != http.StatusOK {
			t.Fatalf("leave: %d %v", status, body)
		}
		if resp, _ := e.send(b, http.MethodGet, "/api/me", nil, ""); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("leaver's session still works: %d", resp.StatusCode)
		}
	})
	t.Run("SessionIdleExpiry", func(t *testing.T) {
		b := e.browser()
		token := e.linkFor(b, ps["H2"])
		if resp, _ := e.send(b, http.MethodPost, "/l/"+token, nil, ""); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign in: %d", resp.StatusCode)
		}
		e.now = e.now.Add(13 * time.Hour)
		t.Cleanup(func() { e.now = e.now.Add(-13 * time.Hour) })
		if resp, _ := e.send(b, http.MethodGet, "/api/me", nil, ""); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("session idle for 13 h still works: %d", resp.StatusCode)
		}
	})
}

// TestSignInRefusesCrossSitePosts: another site cannot make a victim's
// browser ask for a link or use one (login CSRF, which would sign the victim
// in as the attacker). A cross-site POST is 403 and uses nothing up, sends
// nothing; same-origin posts, also those with "Origin: null" that pages
// sent with Referrer-Policy: no-referrer make, still work.
func TestSignInRefusesCrossSitePosts(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ps := e.seedPeople("xsite", "X1")
	c := e.browser()
	hostile := map[string]http.Header{
		"SecFetchSiteCrossSite": {"Sec-Fetch-Site": {"cross-site"}, "Origin": {"https://evil.example"}},
		"SecFetchSiteSameSite":  {"Sec-Fetch-Site": {"same-site"}},
		"ForeignOrigin":         {"Origin": {"https://evil.example"}},
	}

	t.Run("LinkRequest", func(t *testing.T) {
		for name, h := range hostile {
			t.Run(name, func(t *testing.T) {
				before := len(e.mailTo(ps["X1"].email))
				h := h.Clone()
				h.Set("Content-Type", "application/x-www-form-urlencoded")
				resp, _ := e.send(c, http.MethodPost, "/auth/link", h, url.Values{"email": {ps["X1"].email}}.Encode())
				if resp.StatusCode != http.StatusForbidden {
					t.Errorf("got %d, want 403", resp.StatusCode)
				}
				if got := len(e.mailTo(ps["X1"].email)) - before; got != 0 {
					t.Errorf("%d emails sent for a cross-site request", got)
				}
			})
		}
	})

	t.Run("LinkUse", func(t *testing.T) {
		token := e.linkFor(c, ps["X1"])
		for name, h := range hostile {
			t.Run(name, func(t *testing.T) {
				resp, _ := e.send(c, http.MethodPost, "/l/"+token, h, "")
				if resp.StatusCode != http.StatusForbidden || len(resp.Cookies()) != 0 {
					t.Errorf("got %d with cookies %v, want 403 and none", resp.StatusCode, resp.Cookies())
				}
			})
		}
		// The link still works from its own site, posted as Chrome does.
		resp, _ := e.send(c, http.MethodPost, "/l/"+token, http.Header{"Sec-Fetch-Site": {"same-origin"}, "Origin": {"null"}}, "")
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/me" {
			t.Errorf("same-origin use after the refused ones: %d, want 303 to /me", resp.StatusCode)
		}
	})

	t.Run("SameOriginLinkRequest", func(t *testing.T) {
		before := len(e.mailTo(ps["X1"].email))
		h := http.Header{"Sec-Fetch-Site": {"same-origin"}, "Origin": {"null"}, "Content-Type": {"application/x-www-form-urlencoded"}}
		resp, _ := e.send(c, http.MethodPost, "/auth/link", h, url.Values{"email": {ps["X1"].email}}.Encode())
		if resp.StatusCode != http.StatusAccepted || len(e.mailTo(ps["X1"].email))-before != 1 {
			t.Errorf("got %d and %d emails, want 202 and one", resp.StatusCode, len(e.mailTo(ps["X1"].email))-before)
		}
	})
}
