// Package synth generates a synthetic organisation, deterministic from a
// seed and a size: a management tree of varying span of control whose
// top-level branches are departments, roles from the catalog's curricula,
// employees, contractors and subcontractors of vendors, customer
// engagements and agreements with obligations, hire dates over years,
// leavers and hires during a simulated year, a re-organisation half-way
// through, the roster as HR uploads it month by month (CSV, the contract's
// format), and each person's year of history (assignments, quiz attempts,
// acknowledgments, waivers) as the domain code decides it: assign.Decide
// creates and closes assignments, quiz.Grade grades the attempts,
// assign.CompletionOf records completions, waiver.Check and
// assign.WaiverChange govern waivers.
//
// It writes nothing: package synth/synthload loads an organisation through
// the roster, agreement and waiver services and the store's batched write
// path. It imports no AWS package.
package synth

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/attest-oss/attest/shared/agreement"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/roster"
)

// Config says which organisation to generate.
type Config struct {
	// Seed selects the organisation: the same seed, size and dates give the
	// same organisation, byte for byte.
	Seed uint64
	// People is the number of people in the roster at the end of the
	// simulated span, leavers included; at least 10.
	People int
	// First is the first day of the simulated span (YYYY-MM-DD), the day
	// the tracker goes live; default 2026-01-01.
	First string
	// Days is the length of the simulated span in days; default 365.
	Days int
}

// Member is one person of the organisation.
type Member struct {
	// Person is the person as the last upload of the span shows them:
	// after the re-organisation, with their end date if they leave.
	roster.Person
	// Level is the person's depth in the management tree (0: the chief
	// executive).
	Level int
	// Before holds the manager, department and roles the person had until
	// the re-organisation, or nil when it did not change them.
	Before *Before
}

// Before is what a re-organised person's row said before the re-organisation.
type Before struct {
	ManagerID  string
	Department string
	Roles      []string
}

// Org is a generated organisation.
type Org struct {
	Config
	// Last is the last day of the simulated span (YYYY-MM-DD).
	Last string
	// Members are the people, in employee id order; Members[0] is the chief
	// executive, and every manager comes before their reports.
	Members []Member
	// Departments are the top-level branches' departments, in order.
	Departments []string
	// Vendors are the subcontracting firms.
	Vendors []string
	// Customers are the engagement keys people work on.
	Customers []string
	// Agreements are the customer agreements (for the first customers),
	// saved on the day before First.
	Agreements []agreement.Agreement
	// UploadDays are the days HR uploads the roster (monthly from First).
	UploadDays []string
	// ReorgDay is the upload day from which the re-organisation applies.
	ReorgDay string

	cat   *catalog.Catalog
	index map[string]int
	// allStaff holds the modules of the all-staff role, which every role
	// includes: a role change never cancels them.
	allStaff map[string]bool
}

// Distribution parameters of the organisation (see docs/SYNTHETIC-ORG.md).
const (
	deptSpanMean     = 5    // extra reports of a department head beyond 3, exponential mean
	spanMean         = 9    // extra reports of a manager beyond 2, exponential mean
	maxSpan          = 40   // no manager has more direct reports
	managerShare     = 0.38 // chance that a person below the department heads manages people
	contractorShare  = 0.11 // of individual contributors in technical departments
	subcontractShare = 0.10 // ditto, staff of a vendor
	hireShare        = 0.11 // individual contributors who start during the span
	leaverEmployee   = 0.09 // employees (individual contributors) who leave during the span
	leaverContractor = 0.25 // contractors and subcontractors who leave during the span
	reorgShare       = 0.05 // size of the branch the re-organisation moves to another department
	transferShare    = 0.02 // individual contributors moved to another team by the re-organisation
	engagedTeams     = 0.7  // teams of technical departments that work on a customer engagement
	secondEngagement = 0.1  // of engaged people who also work on a second one
	remoteShare      = 0.1  // people outside their team's time zone
	tenureMeanYears  = 3.5  // employees' tenure before First, exponential mean
)

// departments are the department names, in the order the chief executive's
// branches take them; technical ones may have contractors and engagements.
var departments = []struct {
	name      string
	technical bool
	roles     []string // role keys of the department's people
}{
	{"Engineering", true, []string{"engineer"}},
	{"Customer Support", true, []string{"support"}},
	{"Operations", true, []string{"operations"}},
	{"Sales", false, nil},
	{"Finance", false, nil},
	{"Data", true, []string{"engineer"}},
	{"Product", false, nil},
	{"People", false, nil},
	{"Legal", false, nil},
	{"Security", true, []string{"engineer"}},
	{"IT", true, []string{"operations"}},
	{"Marketing", false, nil},
}

// zones are the teams' time zones with their weights.
var zones = []struct {
	name   string
	weight float64
}{
	{"America/New_York", 0.25}, {"Europe/Berlin", 0.2}, {"Europe/London", 0.15}, {"Asia/Kolkata", 0.15},
	{"America/Los_Angeles", 0.1}, {"Asia/Tokyo", 0.05}, {"Australia/Sydney", 0.05}, {"UTC", 0.05},
}

var (
	firstNames = strings.Fields(`Ada Alan Amara Ana Arjun Aziz Bea Ben Carla Chen Chidi Dara Diego Elena Emil Fatima
		Femi Grace Hana Hugo Ines Ivan Jana Jonas Kai Kenji Lara Leila Liam Lucia Mai Marta Mateo Nadia Nikhil Noor
		Olga Omar Priya Rafael Rosa Sami Sofia Tariq Uma Victor Wei Yara Yusuf Zoe`)
	lastNames = strings.Fields(`Abara Ahmed Alvarez Becker Bianchi Carter Chen Costa Dubois Eriksen Fischer Garcia
		Gupta Haddad Hansen Ito Jansen Kaur Kim Kowalski Larsen Lopez Martin Meyer Moreau Nakamura Nguyen Novak Okafor
		Olsen Park Patel Petrov Quinn Rossi Santos Schmidt Silva Singh Sato Tanaka Torres Varga Wagner Walsh Wong Yilmaz Zhou`)
	vendorNames = strings.Fields(`Northwind Contoso Fabrikam Tailspin Adatum Litware Proseware Wingtip Lucerne
		Fourthcoffee Margie Woodgrove Alpine Humongous Trey Relecloud Wideworld Coho Blueyonder Datum Graphic
		Lamna Munson Southridge Vanarsdel`)
	customerNames = strings.Fields(`acme-bank globex-health initech hooli umbrella-pharma stark-energy wayne-logistics
		cyberdyne tyrell soylent oscorp vandelay gringotts monarch-air pied-piper dunder-mifflin wonka massive-dynamic
		aperture black-mesa`)
)

// node is one position of the management tree while it is built.
type node struct {
	parent, level, dept, zone int
	reports                   int
}

// Generate builds the organisation cfg describes against the catalog cat
// (role keys and modules it does not hold are left out).
func Generate(cfg Config, cat *catalog.Catalog) (*Org, error) {
	if cfg.People < 10 {
		return nil, fmt.Errorf("synth: want at least 10 people, got %d", cfg.People)
	}
	if cfg.People > 9_999_999 {
		return nil, fmt.Errorf("synth: at most 9,999,999 people, got %d", cfg.People)
	}
	if cfg.First == "" {
		cfg.First = "2026-01-01"
	}
	if cfg.Days == 0 {
		cfg.Days = 365
	}
	first, err := time.Parse(time.DateOnly, cfg.First)
	if err != nil || cfg.Days < 60 {
		return nil, fmt.Errorf("synth: First must be YYYY-MM-DD and Days at least 60, got %q and %d", cfg.First, cfg.Days)
	}
	if cfg.Days > 366 {
		return nil, fmt.Errorf("synth: Days must be at most 366 (waivers granted hold past the span), got %d", cfg.Days)
	}
	o := &Org{Config: cfg, Last: day(first.AddDate(0, 0, cfg.Days-1)), cat: cat, allStaff: map[string]bool{}}
	mods, _ := cat.ItemsForRoles([]string{"all-staff"})
	for _, m := range mods {
		o.allStaff[m.ID] = true
	}
	rng := rand.New(rand.NewPCG(cfg.Seed, uint64(cfg.People)))
	for d := first; day(d) <= o.Last; d = d.AddDate(0, 1, 0) {
		o.UploadDays = append(o.UploadDays, day(d))
	}
	o.ReorgDay = o.UploadDays[len(o.UploadDays)/2]

	nodes := buildTree(rng, cfg.People)
	nDept := nodes[0].reports
	for i := range nDept {
		o.Departments = append(o.Departments, departments[i].name)
	}
	o.Vendors = vendorNames[:min(len(vendorNames), max(3, cfg.People/800))]
	nCust := min(40, max(3, cfg.People/2500))
	for i := range nCust {
		if i < len(customerNames) {
			o.Customers = append(o.Customers, customerNames[i])
		} else {
			o.Customers = append(o.Customers, fmt.Sprintf("customer-%02d", i+1))
		}
	}

	o.Members = make([]Member, len(nodes))
	o.index = make(map[string]int, len(nodes))
	teamVendor := map[int]int{}
	teamEngagement := map[int]int{}
	for i, nd := range nodes {
		id := fmt.Sprintf("E%07d", i+1)
		fn, ln := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
		p := roster.Person{EmployeeID: id, Name: fn + " " + ln, EmploymentType: roster.Employee, Department: "Executive"}
		domain := "example.com"
		if nd.parent >= 0 {
			p.ManagerID = o.Members[nd.parent].EmployeeID
			p.Department = departments[nd.dept].name
		}
		p.TimeZone = zones[nd.zone].name
		if rng.Float64() < remoteShare {
			p.TimeZone = zones[pickWeighted(rng)].name
		}
		technical := nd.parent >= 0 && departments[nd.dept].technical
		ic := nd.reports == 0
		if ic && technical && nd.level >= 2 {
			switch u := rng.Float64(); {
			case u < contractorShare:
				p.EmploymentType = roster.Contractor
			case u < contractorShare+subcontractShare:
				v, ok := teamVendor[nd.parent]
				if !ok {
					v = zipf(rng, len(o.Vendors))
					teamVendor[nd.parent] = v
				}
				p.EmploymentType, p.Vendor = roster.Subcontractor, o.Vendors[v]+" Ltd"
				domain = strings.ToLower(o.Vendors[v]) + ".example.net"
			}
		}
		p.Email = fmt.Sprintf("%s.%s.%d@%s", strings.ToLower(fn), strings.ToLower(ln), i+1, domain)
		if technical && nd.level >= 2 {
			team := nd.parent
			if !ic {
				team = i
			}
			e, ok := teamEngagement[team]
			if !ok {
				e = -1
				if rng.Float64() < engagedTeams {
					e = zipf(rng, len(o.Customers))
				}
				teamEngagement[team] = e
			}
			if e >= 0 {
				p.Engagements = []string{o.Customers[e]}
				if rng.Float64() < secondEngagement {
					if f := zipf(rng, len(o.Customers)); f != e {
						p.Engagements = append(p.Engagements, o.Customers[f])
						slices.Sort(p.Engagements)
					}
				}
			}
		}
		p.Roles = o.rolesOf(p, nd.dept, nd.parent < 0, !ic)
		p.StartDate = o.startDate(rng, first, nd, p.EmploymentType)
		o.Members[i] = Member{Person: p, Level: nd.level}
		o.index[id] = i
	}
	o.accessRoles(rng)
	o.hiresAndLeavers(rng, first, nodes)
	o.reorganise(rng, nodes)
	o.agreements(rng, first)
	return o, nil
}

// buildTree lays out n positions breadth first: the chief executive heads
// one department per report, department heads and the managers below them
// draw their span of control, and a share of the people below the
// department heads manage in turn. The last managers of the breadth-first
// order run out of people and may end with fewer reports, or none.
func buildTree(rng *rand.Rand, n int) []node {
	nDept := min(len(departments), max(2, int(math.Round(2*math.Log10(float64(n))))+2), n-1)
	nodes := make([]node, 1, n)
	nodes[0] = node{parent: -1, zone: 0}
	for q := 0; len(nodes) < n; q++ {
		if q == len(nodes) { // nobody left to manage: the last one does
			q--
		}
		nd := &nodes[q]
		var span int
		switch {
		case nd.level == 0:
			span = nDept
		case nd.level == 1:
			span = 3 + int(rng.ExpFloat64()*deptSpanMean)
		case rng.Float64() < managerShare || q == len(nodes)-1:
			span = 2 + int(rng.ExpFloat64()*spanMean)
		}
		span = min(span, maxSpan, n-len(nodes))
		for k := range span {
			child := node{parent: q, level: nd.level + 1, dept: nd.dept, zone: nd.zone}
			switch nd.level {
			case 0:
				child.dept, child.zone = k, pickWeighted(rng)
			case 1:
				child.zone = pickWeighted(rng)
			}
			nodes[q].reports++
			nodes = append(nodes, child)
		}
	}
	return nodes
}

// rolesOf returns the role keys of a person of department dept: all-staff
// (through contractor or subcontractor for those), the department's roles,
// and manager for managers, as far as the catalog knows them.
func (o *Org) rolesOf(p roster.Person, dept int, ceo, manager bool) []string {
	var roles []string
	switch p.EmploymentType {
	case roster.Contractor:
		roles = append(roles, "contractor")
	case roster.Subcontractor:
		roles = append(roles, "subcontractor")
	default:
		roles = append(roles, "all-staff")
	}
	if !ceo {
		roles = append(roles, departments[dept].roles...)
	}
	if manager {
		roles = append(roles, "manager")
	}
	var out []string
	for _, r := range roles {
		if o.cat.HasRole(r) && !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return out
}

// startDate draws when a person joined, before First: tenure is
// exponential (employees longer than contractors), managers' longer the
// higher they sit.
func (o *Org) startDate(rng *rand.Rand, first time.Time, nd node, t roster.EmploymentType) string {
	mean := tenureMeanYears * 365
	if t != roster.Employee {
		mean = 1.2 * 365
	}
	days := 14 + int(rng.ExpFloat64()*mean)
	if nd.reports > 0 {
		days += max(0, 6-nd.level) * 180
	}
	return day(first.AddDate(0, 0, -min(days, 25*365)))
}

// accessRoles gives two people of IT (or Security) the admin role and one
// of Legal (or Finance) the auditor role.
func (o *Org) accessRoles(rng *rand.Rand) {
	give := func(role string, n int, depts ...string) {
		var cands []int
		for i, m := range o.Members {
			if i > 0 && slices.Contains(depts, m.Department) && m.EmploymentType == roster.Employee {
				cands = append(cands, i)
			}
		}
		for k := 0; k < n && len(cands) > 0; k++ {
			j := rng.IntN(len(cands))
			m := &o.Members[cands[j]]
			m.Roles = append(m.Roles, role)
			slices.Sort(m.Roles)
			cands = slices.Delete(cands, j, j+1)
		}
	}
	give("admin", 2, "IT", "Security")
	give("auditor", 1, "Legal", "Finance")
}

// hiresAndLeavers makes a share of the individual contributors start during
// the span and another leave during it (never a manager: their teams stay
// whole).
func (o *Org) hiresAndLeavers(rng *rand.Rand, first time.Time, nodes []node) {
	for i := range o.Members {
		m := &o.Members[i]
		if nodes[i].reports > 0 || m.HasRole("admin") || m.HasRole("auditor") {
			continue
		}
		if rng.Float64() < hireShare {
			m.StartDate = day(first.AddDate(0, 0, 1+rng.IntN(o.Days-15)))
		}
		share := leaverEmployee
		if m.EmploymentType != roster.Employee {
			share = leaverContractor
		}
		if rng.Float64() < share {
			from := max(m.StartDate, o.First)
			span := daysBetween(from, o.Last) - 30
			if span > 0 {
				m.EndDate = addDays(from, 30+rng.IntN(span))
			}
		}
	}
}

// reorganise moves one department's branch (a second-level manager
// and everyone under them) to another department head, and a share of the
// individual contributors to another team, from ReorgDay; their roles
// follow their new department.
func (o *Org) reorganise(rng *rand.Rand, nodes []node) {
	move := func(i, newParent int) {
		m := &o.Members[i]
		if m.Before == nil {
			m.Before = &Before{ManagerID: m.ManagerID, Department: m.Department, Roles: slices.Clone(m.Roles)}
		}
		if newParent >= 0 {
			m.ManagerID = o.Members[newParent].EmployeeID
		}
	}
	redepartment := func(i, dept int) {
		m := &o.Members[i]
		m.Department = departments[dept].name
		access := slices.DeleteFunc(slices.Clone(m.Roles), func(r string) bool { return r != "admin" && r != "auditor" })
		m.Roles = append(o.rolesOf(m.Person, dept, false, nodes[i].reports > 0), access...)
		slices.Sort(m.Roles)
		nodes[i].dept = dept
	}
	if len(o.Departments) >= 2 {
		// The second-level branch nearest reorgShare of the organisation in
		// size moves to the next department.
		size := make([]int, len(nodes))
		for i := len(nodes) - 1; i > 0; i-- {
			size[i]++
			size[nodes[i].parent] += size[i]
		}
		branch := -1
		for i, nd := range nodes {
			target := int(reorgShare * float64(len(nodes)))
			if nd.level == 2 && nd.reports > 0 && (branch < 0 || abs(size[i]-target) < abs(size[branch]-target)) {
				branch = i
			}
		}
		if branch > 0 {
			dept := (nodes[branch].dept + 1) % len(o.Departments)
			head := slices.IndexFunc(nodes, func(nd node) bool { return nd.level == 1 && nd.dept == dept })
			move(branch, head)
			in := make([]bool, len(nodes))
			in[branch] = true
			for i := branch; i < len(nodes); i++ {
				if i > branch && !in[nodes[i].parent] {
					continue
				}
				in[i] = true
				move(i, -1)
				redepartment(i, dept)
			}
		}
	}
	var managers []int
	for i, nd := range nodes {
		if nd.level >= 2 && nd.reports > 0 {
			managers = append(managers, i)
		}
	}
	if len(managers) < 2 {
		return
	}
	for i := range o.Members {
		m := &o.Members[i]
		if nodes[i].reports > 0 || m.Before != nil || m.StartDate >= o.ReorgDay || (m.EndDate != "" && m.EndDate < o.ReorgDay) {
			continue
		}
		if rng.Float64() >= transferShare {
			continue
		}
		to := managers[rng.IntN(len(managers))]
		if o.Members[to].EmployeeID == m.ManagerID || (m.EmploymentType == roster.Subcontractor && !departments[nodes[to].dept].technical) {
			continue
		}
		move(i, to)
		redepartment(i, nodes[to].dept)
	}
}

// agreements records an agreement with obligations for the first half of
// the customers (at least two): training in security awareness (and, for
// every other one, data privacy) within 30 days and acknowledgment of the
// acceptable use policy; the second starts a month into the span and adds
// its own module, when the catalog has it.
func (o *Org) agreements(rng *rand.Rand, first time.Time) {
	n := max(2, len(o.Customers)/2)
	for i, c := range o.Customers[:n] {
		start := first.AddDate(0, 0, -30-rng.IntN(700))
		if i == 1 {
			start = first.AddDate(0, 1, 0)
		}
		a := agreement.Agreement{Key: c + "-msa", Customer: customerTitle(c), Engagement: c,
			StartDate: day(start), EndDate: day(start.AddDate(3, 0, -1))}
		add := func(id, kind, item string, within int, target float64, text string) {
			if (kind == agreement.KindTraining && !o.hasModule(strings.TrimPrefix(item, "module:"))) ||
				(kind == agreement.KindAcknowledgment && !o.hasPolicy(strings.TrimPrefix(item, "policy:"))) {
				return
			}
			a.Obligations = append(a.Obligations, agreement.Obligation{ID: id, Text: text, Kind: kind, Items: []string{item}, WithinDays: within, Target: target})
		}
		add("9.1", agreement.KindTraining, "module:security-awareness", 30, 0.95,
			"All Provider personnel with access to Customer Data complete security awareness training within 30 days of assignment and annually thereafter.")
		if i%2 == 0 {
			add("9.2", agreement.KindTraining, "module:data-privacy", 30, 0.9,
				"Provider personnel handling Customer personal data complete data protection training within 30 days of assignment.")
		}
		add("9.4", agreement.KindAcknowledgment, "policy:acceptable-use", 30, 0.9,
			"Provider personnel acknowledge the Acceptable Use Policy within 30 days of joining the engagement and every calendar year.")
		if i == 1 {
			add("5.2", agreement.KindTraining, "module:globex-patient-data", 14, 0.95,
				"Everyone on the engagement who can see patient records completes the patient data module within 14 days.")
		}
		o.Agreements = append(o.Agreements, a)
	}
}

func abs(n int) int { return max(n, -n) }

func (o *Org) hasModule(id string) bool { _, ok := o.cat.Module(id); return ok }
func (o *Org) hasPolicy(id string) bool { _, ok := o.cat.Policy(id); return ok }

// customerTitle turns a customer key into a company name.
func customerTitle(key string) string {
	words := strings.Split(key, "-")
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ") + " Inc."
}

// Member returns the member with the employee id, if there is one.
func (o *Org) Member(id string) (*Member, bool) {
	i, ok := o.index[id]
	if !ok {
		return nil, false
	}
	return &o.Members[i], true
}

// Catalog returns the catalog the organisation was generated against.
func (o *Org) Catalog() *catalog.Catalog { return o.cat }

// pickWeighted draws a time zone index by weight.
func pickWeighted(rng *rand.Rand) int {
	u := rng.Float64()
	for i, z := range zones {
		if u < z.weight {
			return i
		}
		u -= z.weight
	}
	return len(zones) - 1
}

// zipf draws an index in [0, n) with weight 1/(i+1): a few large customers
// and vendors, many small ones.
func zipf(rng *rand.Rand, n int) int {
	var total float64
	for i := range n {
		total += 1 / float64(i+1)
	}
	u := rng.Float64() * total
	for i := range n {
		u -= 1 / float64(i+1)
		if u < 0 {
			return i
		}
	}
	return n - 1
}

// day formats an instant's calendar day (YYYY-MM-DD) in its location.
func day(t time.Time) string { return t.Format(time.DateOnly) }

// addDays returns day d (YYYY-MM-DD) moved by n days.
func addDays(d string, n int) string {
	t, _ := time.Parse(time.DateOnly, d)
	return day(t.AddDate(0, 0, n))
}

// daysBetween is the number of days from a to b (YYYY-MM-DD).
func daysBetween(a, b string) int {
	ta, _ := time.Parse(time.DateOnly, a)
	tb, _ := time.Parse(time.DateOnly, b)
	return int(tb.Sub(ta).Hours() / 24)
}
