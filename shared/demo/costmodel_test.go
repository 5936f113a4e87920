package demo_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sesv2"

	"github.com/attest-oss/attest/shared/app"
	"github.com/attest-oss/attest/shared/app/inprocess"
	"github.com/attest-oss/attest/shared/auth"
	"github.com/attest-oss/attest/shared/cost"
	"github.com/attest-oss/attest/shared/demo"
	"github.com/attest-oss/attest/shared/devstack/devtest"
	"github.com/attest-oss/attest/shared/httpapi/contracttest"
	"github.com/attest-oss/attest/shared/kmssign"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/s3store"
	"github.com/attest-oss/attest/shared/table"
)

// The HTTP requests of the employee's and the manager's journeys, as
// costJourney names their cases.
const (
	reqLinkPage    = "GET /l/{token} (link page)"
	reqSignIn      = "POST /l/{token} (sign in)"
	reqMe          = "GET /me"
	reqAPIMe       = "GET /api/me"
	reqModule      = "GET /me/modules/{id}"
	reqAttempt     = "POST /api/me/modules/{id}/attempts (pass)"
	reqReceipt     = "GET /me/modules/{id}/receipt"
	reqPolicy      = "GET /me/policies/{id}"
	reqAcknowledge = "POST /api/me/policies/{id}/acknowledgments"
	reqTeam        = "GET /team (manager of 99)"
)

// costJourney signs a person in through the API handler and takes a module
// and a policy, then a manager looks at his team: one case per request,
// measured like the others (the HTTP layer's own reads and writes
// included: sessions, CSRF, rate limits).
func costJourney(tb testing.TB, a *app.App, m *costMeter, clock *costClock, people []roster.Person) []costUse {
	tb.Helper()
	ctx := context.Background()
	var uses []costUse
	var cookie *http.Cookie
	var csrf string
	contract := contracttest.Load(tb)
	do := func(name, method, path, body string) []byte {
		tb.Helper()
		req := httptest.NewRequest(method, "http://tracker.test"+path, strings.NewReader(body))
		req.RemoteAddr = "198.51.100.9:4321"
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if cookie != nil {
			req.AddCookie(cookie)
		}
		if csrf != "" && method == http.MethodPost {
			req.Header.Set("X-CSRF-Token", csrf)
		}
		m.reset()
		rec := httptest.NewRecorder()
		started := time.Now()
		a.Handler.ServeHTTP(rec, req)
		took := time.Since(started)
		// Held to the OpenAPI document, after the clock stopped.
		if err := contract.Check(req, []byte(body), rec.Code, rec.Header(), rec.Body.Bytes()); err != nil {
			tb.Errorf("OpenAPI document: %s: %v", name, err)
		}
		if rec.Code >= 400 {
			tb.Fatalf("%s: %d %s", name, rec.Code, rec.Body.String())
		}
		u := m.take(name, 1)
		u.took, u.bytes = took, rec.Body.Len()
		uses = append(uses, u)
		for _, c := range rec.Result().Cookies() {
			if c.Value != "" {
				cookie = c
			}
		}
		return rec.Body.Bytes()
	}
	signIn := func(p roster.Person) {
		tb.Helper()
		link, _, err := a.SignIn.IssueLink(ctx, p.EmployeeID, auth.LinkSignIn, "cost", "198.51.100.9")
		if err != nil {
			tb.Fatal(err)
		}
		path := link[strings.Index(link, "/l/"):]
		cookie, csrf = nil, ""
		do(reqLinkPage, http.MethodGet, path, "")
		do(reqSignIn, http.MethodPost, path, "")
		var me struct {
			CSRFToken string `json:"csrfToken"`
		}
		if err := json.Unmarshal(do(reqAPIMe, http.MethodGet, "/api/me", ""), &me); err != nil || me.CSRFToken == "" {
			tb.Fatalf("GET /api/me: no CSRF token (%v)", err)
		}
		csrf = me.CSRFToken
	}

	p := people[4]
	mods, policies := a.Catalog.ItemsForRoles(p.Roles)
	signIn(p)
	do(reqMe, http.MethodGet, "/me", "")
	do(reqModule, http.MethodGet, "/me/modules/"+mods[0].ID, "")
	answers, err := json.Marshal(map[string]any{"answers": correctAnswers(mods[0].Questions)})
	if err != nil {
		tb.Fatal(err)
	}
	do(reqAttempt, http.MethodPost, "/api/me/modules/"+mods[0].ID+"/attempts", string(answers))
	do(reqReceipt, http.MethodGet, "/me/modules/"+mods[0].ID+"/receipt", "")
	do(reqPolicy, http.MethodGet, "/me/policies/"+policies[0].ID, "")
	clock.set(clock.Now().Add(time.Duration(policies[0].MinReadSeconds+10) * time.Second))
	ack, err := json.Marshal(map[string]string{"typedName": p.Name, "versionSha256": policies[0].SHA256})
	if err != nil {
		tb.Fatal(err)
	}
	do(reqAcknowledge, http.MethodPost, "/api/me/policies/"+policies[0].ID+"/acknowledgments", string(ack))

	signIn(people[0]) // the manager of everyone else
	do(reqTeam, http.MethodGet, "/team", "")
	// The sign-in's requests were measured again: keep the employee's.
	var out []costUse
	seen := map[string]bool{}
	for _, u := range uses {
		if !seen[u.name] {
			out = append(out, u)
		}
		seen[u.name] = true
	}
	return out
}

// costYearMeasure is what the demo's simulated year asked of AWS and what
// it left stored.
type costYearMeasure struct {
	sum   demo.Summary
	units devtest.Units
	s3    map[string]int
	ses   int
	kms   map[string]int
	// tableBytes and indexBytes are the stored sizes DynamoDB bills after
	// the year (each item's size and 100 bytes; in each index it is on,
	// again); bucketBytes the evidence bundles' bytes.
	tableBytes, indexBytes, bucketBytes int64
	items                               int
	took                                time.Duration
	// hourlyRunRRU is what an hourly reminder run's selection reads on the
	// year's last day, the average of its 24 runs.
	hourlyRunRRU float64
}

// costYear simulates the demo's year (365 days up to the demo tests' end)
// with every client metered.
func costYear(tb testing.TB) costYearMeasure {
	tb.Helper()
	ctx := context.Background()
	stack := devtest.Shared(tb)
	var capacity devtest.Capacity
	var s3Calls, sesCalls, kmsCalls devtest.Calls
	client := stack.DynamoClient(capacity.Option)
	name := devtest.Table(tb, client, "costyear")
	keys := stack.KMSClient(func(o *kms.Options) { o.APIOptions = append(o.APIOptions, kmsCalls.APIOption) })
	keyID, err := kmssign.EnsureLocalKey(ctx, keys, "alias/"+strings.ReplaceAll(devtest.UniqueName(tb, "costyear"), ".", "_"))
	if err != nil {
		tb.Fatal(err)
	}
	s3c := stack.S3Client(func(o *s3.Options) { o.APIOptions = append(o.APIOptions, s3Calls.APIOption) })
	bucket := devtest.Bucket(tb, s3c, "costyear")
	objects := &s3store.Store{Client: s3c, Bucket: bucket, Now: time.Now}
	cfg := app.Config{DynamoDB: client, TableName: name, SenderEmail: "training@attest.test", BaseURL: "http://tracker.test",
		SES:    stack.SESClient(func(o *sesv2.Options) { o.APIOptions = append(o.APIOptions, sesCalls.APIOption) }),
		Signer: kmssign.New(keys, keyID), Exports: &app.ExportsConfig{Objects: objects}}
	kmsCalls.Reset() // the key's creation is not the year's
	started := time.Now()
	sum, err := demo.Run(ctx, demo.Options{Config: cfg, End: end, Days: 365, Seed: 1})
	if err != nil {
		tb.Fatal(err)
	}
	y := costYearMeasure{sum: sum, units: capacity.Total(), s3: s3Calls.Counts(), ses: sesCalls.Total(), kms: kmsCalls.Counts(), took: time.Since(started)}

	// The steady state of an hourly reminder run: its selection (nothing
	// sent) at every hour of the year's last day, on the table the year
	// left, metered. AWS runs it every hour; the demo once a day.
	a, err := inprocess.New(cfg)
	if err != nil {
		tb.Fatal(err)
	}
	capacity.Reset()
	day := end.Truncate(24 * time.Hour)
	for h := range 24 {
		if _, _, err := a.Reminders.Select(ctx, day.Add(time.Duration(h)*time.Hour), true); err != nil {
			tb.Fatal(err)
		}
	}
	y.hourlyRunRRU = capacity.Total().Read / 24

	plain := stack.DynamoClient()
	pages := dynamodb.NewScanPaginator(plain, &dynamodb.ScanInput{TableName: &name})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			tb.Fatal(err)
		}
		for _, item := range page.Items {
			size := int64(devtest.ItemSize(item) + 100)
			y.tableBytes += size
			y.items++
			for _, ix := range table.Definition().Indexes {
				if item[ix.PartitionKey] != nil && item[ix.SortKey] != nil {
					y.indexBytes += size
				}
			}
		}
	}
	objs := s3.NewListObjectsV2Paginator(s3c, &s3.ListObjectsV2Input{Bucket: aws.String(bucket)})
	for objs.HasMorePages() {
		page, err := objs.NextPage(ctx)
		if err != nil {
			tb.Fatal(err)
		}
		for _, o := range page.Contents {
			y.bucketBytes += aws.ToInt64(o.Size)
		}
	}
	return y
}

// costScenario is a deployment the cost report prices.
type costScenario struct {
	name       string
	deployment cost.Deployment
}

// costScenarios are the scenarios the cost report prices: the stack as
// deployed, and the proposed changes one after the other.
var costScenarios = []costScenario{
	{"as deployed", cost.Stack},
	{"lean deployment (proposed)", cost.Lean},
}

// Assumptions of the yearly model that no test measures: how people use
// the pages around what the demo's year does.
const (
	// selfServeShare is the share of sign-ins that start at /signin (one
	// POST /auth/link and one email); the rest come from a reminder's link.
	selfServeShare = 0.5
	// managerShare is the share of people who manage others; each looks
	// at his team managerViews times a year.
	managerShare = 1.0 / 8
	managerViews = 52
	// adminViews are the admin console's and the API's requests a year,
	// whatever the organisation's size (a few a week).
	adminViews = 500
	// coldStartSeconds is the billed init of each invocation of a
	// scheduled or queued function (all assumed cold) and of one API
	// request in 10, from the cold-start benchmark's order of magnitude.
	coldStartSeconds = 0.02
	apiColdShare     = 0.1
	// dynamoKMSRequestsYear are the table key's requests DynamoDB makes
	// (an assumption: a data key refreshed every 5 minutes per function
	// in use, 12 an hour); the bucket key keeps S3's negligible.
	dynamoKMSRequestsYear = 12 * 24 * 365
	// evidenceYears is how many years of bundles the bucket holds in the
	// seventh year (the default Object Lock retention is 7 years).
	evidenceYears = 7
)

// costModel builds the yearly model from the measured cases and year. It
// returns the model of the first year and the seventh (storage grown:
// audit events are never deleted and bundles are locked for 7 years;
// rotated key versions billed), and the per-person line items, for the
// notes.
func costModel(uses []costUse, y costYearMeasure, sc costScenario) (first, seventh cost.Model, notes []string) {
	d := sc.deployment
	use := map[string]costUse{}
	for _, u := range uses {
		use[u.name] = u
	}
	get := func(name string) costUse {
		u, ok := use[name]
		if !ok {
			panic("no cost case " + name)
		}
		return u
	}
	seconds := func(u costUse) float64 { return u.took.Seconds() / float64(u.per) }
	people := float64(y.sum.People)
	perPerson := func(n int) float64 { return float64(n) / people }
	note := func(format string, args ...any) { notes = append(notes, fmt.Sprintf(format, args...)) }

	// What one person's year holds, from the demo's year.
	completions, attempts, acks := perPerson(y.sum.Completions), perPerson(y.sum.Attempts), perPerson(y.sum.Acknowledgments)
	notified := perPerson(y.sum.Reminders + y.sum.Nudges)
	sessions := completions + acks
	note("demo year: %d people, %d completions, %d attempts, %d acknowledgments, %d reminders and nudges, %d bundles, %d audit days sealed",
		y.sum.People, y.sum.Completions, y.sum.Attempts, y.sum.Acknowledgments, y.sum.Reminders+y.sum.Nudges, y.sum.Bundles, y.sum.Sealed)
	note("a person's year: %.2f completions, %.2f attempts, %.2f acknowledgments, %.2f reminders, %.2f sessions (one a completion or acknowledgment)",
		completions, attempts, acks, notified, sessions)

	// HTTP requests a person makes in a year.
	requests := map[string]float64{
		reqLinkPage: sessions, reqSignIn: sessions, reqMe: sessions, reqAPIMe: 0,
		reqModule: attempts, reqAttempt: attempts, reqReceipt: completions,
		reqPolicy: acks, reqAcknowledge: acks,
		reqTeam: managerShare * managerViews,
	}
	linkRequests := sessions * selfServeShare // POST /auth/link, and GET /signin before it
	var nRequests, bytesOut, apiSeconds float64
	var rru, wru float64
	for name, n := range requests {
		u := get(name)
		nRequests += n
		bytesOut += n * float64(u.bytes)
		apiSeconds += n * seconds(u)
		units := u.units
		// The demo's year already counts the services behind these.
		switch name {
		case reqAttempt:
			units = units.Sub(get("quiz completion (Submit, passing)").units)
		case reqPolicy:
			units = units.Sub(get("policy open").units)
		case reqAcknowledge:
			units = units.Sub(get("policy acknowledgment").units)
		}
		rru += n * units.Read
		wru += n * units.Write
	}
	link := get("sign-in link request (known address)")
	nRequests += 2 * linkRequests
	apiSeconds += linkRequests * seconds(link)
	rru += linkRequests * link.units.Read
	wru += linkRequests * link.units.Write
	apiSeconds += nRequests * apiColdShare * coldStartSeconds
	note("a person's year of HTTP: %.1f requests, %.0f KB answered, %.2f s of the API function; %.1f RRU and %.1f WRU on top of the services'",
		nRequests, bytesOut/1000, apiSeconds, rru, wru)

	// The scheduled runs: the demo runs the reminder run once a day, AWS
	// every hour; each of the 23 others reads what the steady state's
	// hourly selection reads.
	idle := get("reminder run over 100, nothing due")
	extraRuns := 23.0 * 365
	rru += extraRuns * y.hourlyRunRRU / people
	notifying := get("reminder run, 100 people notified")
	daily := get("daily assignment run over 100, nothing to do (second day)")
	freeze := get("freeze of Q3, 100 people")
	export := get("evidence export of Q3, 100 people")
	remindSeconds := 24 * 365 * seconds(idle) / costPeople
	sendSeconds := notified * (seconds(notifying) - seconds(idle)) / costPeople
	assignSeconds := 365 * seconds(daily) / costPeople
	freezeSeconds := 4 * seconds(freeze) / costPeople
	exportSeconds := float64(y.sum.Bundles) * seconds(export) / costPeople // as if each bundle read everyone
	note("a person's share of the scheduled runs: remind %.3f s, send %.3f s, assign %.3f s, freeze %.4f s, export %.4f s a year; the 23 extra hourly reminder runs a day read %.0f RRU (%.2f a person a run, the year's last day)",
		remindSeconds, sendSeconds, assignSeconds, freezeSeconds, exportSeconds, extraRuns*y.hourlyRunRRU/people, y.hourlyRunRRU/people)

	emails := float64(y.ses)/people + linkRequests
	tableGB := float64(y.tableBytes) / people / 1e9
	indexGB := float64(y.indexBytes) / people / 1e9
	bucketGB := float64(y.bucketBytes) / people / 1e9
	note("a person's year of storage: %.1f KB in the table, %.1f KB in its indexes (%d items in all), %.1f KB of evidence bundles",
		tableGB*1e6, indexGB*1e6, y.items, bucketGB*1e6)
	note("demo year measured: %.0f RRU and %.0f WRU a person (%s)", y.units.Read/people, y.units.Write/people, y.units)

	person := cost.Usage{
		cost.DynamoRead:    y.units.Read/people + rru,
		cost.DynamoWrite:   y.units.Write/people + wru,
		cost.DynamoStorage: 12 * (tableGB + indexGB),
		cost.DynamoPITR:    12 * tableGB,
		cost.SESEmail:      emails,
		// Each reminder is a message sent, received and deleted.
		cost.SQSRequest: 3 * notified,
		cost.S3Storage:  12 * bucketGB,
	}.Add(cost.API(nRequests, bytesOut)).
		Add(cost.Lambda("api", nRequests, apiSeconds)).
		Add(cost.Lambda("remind", 0, remindSeconds)).
		Add(cost.Lambda("send", notified/10, sendSeconds+notified/10*coldStartSeconds)).
		Add(cost.Lambda("assign", 0, assignSeconds)).
		Add(cost.Lambda("freeze", 0, freezeSeconds)).
		Add(cost.Lambda("export", 0, exportSeconds))

	// What does not grow with people: the runs' invocations, the admin's
	// requests, S3 requests and signatures of seals and bundles, and the
	// deployment's resources.
	var s3Puts, s3Gets float64
	for op, n := range y.s3 {
		switch op {
		case "PutObject", "CreateMultipartUpload", "UploadPart", "CompleteMultipartUpload", "ListObjectsV2", "PutObjectRetention":
			s3Puts += float64(n)
		default:
			s3Gets += float64(n)
		}
	}
	runs := map[string]float64{"remind": 24 * 365, "assign": 365, "freeze": 365, "export": 365 + float64(y.sum.Bundles)}
	fixed := cost.Usage{
		cost.S3Put: s3Puts, cost.S3Get: s3Gets,
		cost.KMSSign:    float64(y.kms["Sign"]),
		cost.KMSRequest: dynamoKMSRequestsYear,
	}.Add(cost.API(adminViews, adminViews*20e3)).Add(cost.Lambda("api", adminViews, adminViews*0.1))
	for fn, n := range runs {
		fixed = fixed.Add(cost.Lambda(fn, n, n*coldStartSeconds))
	}
	fixed = fixed.Add(d.Usage())
	note("the year's S3 requests %v, KMS requests %v", y.s3, y.kms)
	first = cost.Model{PerPerson: person, Fixed: fixed}

	later := d
	later.RotatedKeys = 2 * d.RotatingKeys // KMS bills a key's first two rotations
	grown := grownStorage(person)
	seventh = cost.Model{PerPerson: grown, Fixed: first.Fixed.Add(d.Usage().Scale(-1)).Add(later.Usage())}
	return first, seventh, notes
}

// grownStorage is a person's usage in the seventh year: seven years of
// table data and of evidence bundles stored.
func grownStorage(u cost.Usage) cost.Usage {
	out := u.Add(nil)
	for _, k := range []string{cost.DynamoStorage, cost.DynamoPITR, cost.S3Storage} {
		out[k] *= evidenceYears
	}
	return out
}
