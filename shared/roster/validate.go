package roster

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // time zones load on Lambda, which has no zoneinfo files
	"unicode"
	"unicode/utf8"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/identity"
)

// Limits on roster values.
const (
	maxNameLen = 200 // characters
	maxTextLen = 100 // characters, for department and vendor
	maxKeyLen  = 40  // bytes, for role and engagement keys
)

// maxListedRows is how many rows a warning about an unknown role lists.
const maxListedRows = 10

// checker validates and normalises the people of one upload, collecting
// every problem and warning.
type checker struct {
	u         Upload
	knownRole func(string) bool
	zones     map[string]bool // time zone name → whether it loads
	problems  []apperr.Problem
	warnings  []apperr.Problem
	// unknownRoles records where each role key without a curriculum is
	// used; roleOrder lists those keys in the order first used.
	unknownRoles map[string]*roleUse
	roleOrder    []string
}

// roleUse records where an unknown role is used: on how many rows, and the
// first maxListedRows of them.
type roleUse struct {
	n    int
	rows []int
}

func (c *checker) problem(row, f int, format string, args ...any) {
	c.problems = append(c.problems, apperr.Problem{Row: row, Field: c.u.fieldName(f), Message: fmt.Sprintf(format, args...)})
}

func (c *checker) warn(row, f int, format string, args ...any) {
	c.warnings = append(c.warnings, apperr.Problem{Row: row, Field: c.u.fieldName(f), Message: fmt.Sprintf(format, args...)})
}

// person returns p normalised, recording what is wrong with it on its own.
// Checks that need other people (duplicates, managers) come later.
func (c *checker) person(p Person, row int) Person {
	for _, f := range fields {
		if f.str != nil {
			*f.str(&p) = strings.TrimSpace(*f.str(&p))
		}
	}

	c.id(row, p.EmployeeID)
	c.email(row, p.Email)
	c.text(row, fName, p.Name, maxNameLen, true)
	p.Roles = c.keys(row, fRoles, "role", p.Roles)
	for _, r := range p.Roles {
		if !identity.IsAccessRole(r) && c.knownRole != nil && !c.knownRole(r) {
			c.unknownRole(r, row)
		}
	}
	c.text(row, fDepartment, p.Department, maxTextLen, false)

	p.EmploymentType = EmploymentType(strings.ToLower(string(p.EmploymentType)))
	switch p.EmploymentType {
	case "":
		p.EmploymentType = Employee
	case Employee, Contractor, Subcontractor:
	default:
		c.problem(row, fEmploymentType, "must be employee, contractor or subcontractor, not %q", p.EmploymentType)
	}
	c.text(row, fVendor, p.Vendor, maxTextLen, false)
	if p.Vendor == "" && p.EmploymentType == Subcontractor {
		c.problem(row, fVendor, "is required for a subcontractor")
	}

	p.Engagements = c.keys(row, fEngagements, "engagement", p.Engagements)

	startOK := c.date(row, fStartDate, p.StartDate, true)
	if c.date(row, fEndDate, p.EndDate, false) && startOK && p.EndDate < p.StartDate {
		c.problem(row, fEndDate, "%s is before %s %s", p.EndDate, c.u.fieldName(fStartDate), p.StartDate)
	}

	if p.TimeZone == "" {
		p.TimeZone = "UTC"
	} else if !c.zone(p.TimeZone) {
		c.problem(row, fTimeZone, "%q is not an IANA time zone name such as Europe/Paris or UTC", p.TimeZone)
	}
	return p
}

// unknownRole records that row uses role, which has no curriculum.
func (c *checker) unknownRole(role string, row int) {
	use, seen := c.unknownRoles[role]
	if !seen {
		use = &roleUse{}
		c.unknownRoles[role] = use
		c.roleOrder = append(c.roleOrder, role)
	}
	use.n++
	if len(use.rows) < maxListedRows {
		use.rows = append(use.rows, row)
	}
}

// roleWarnings warns once about each unknown role, on the first row using
// it, listing the rows that do: 10,000 rows with a typo make one warning.
func (c *checker) roleWarnings() {
	for _, role := range c.roleOrder {
		use := c.unknownRoles[role]
		where := fmt.Sprintf("on row %d", use.rows[0])
		if use.n > 1 {
			rows := make([]string, len(use.rows), len(use.rows)+1)
			for i, row := range use.rows {
				rows[i] = strconv.Itoa(row)
			}
			if use.n > len(use.rows) {
				rows = append(rows, "…")
			}
			where = fmt.Sprintf("on %d rows (%s)", use.n, strings.Join(rows, ", "))
		}
		c.warn(use.rows[0], fRoles, "unknown role %q %s: no curriculum, ignored for training", role, where)
	}
}

// id checks an employee id (identity.CheckEmployeeID).
func (c *checker) id(row int, id string) {
	if err := identity.CheckEmployeeID(id); err != nil {
		c.problem(row, fEmployeeID, "%s", err)
	}
}

// email checks that s is a bare address (identity.CheckEmail).
func (c *checker) email(row int, s string) {
	if err := identity.CheckEmail(s); err != nil {
		c.problem(row, fEmail, "%s", err)
	}
}

// text checks free text such as a name: present when required, at most max
// characters, no control characters (line breaks, tabs). Markup is allowed:
// it is stored as text and escaped where shown.
func (c *checker) text(row, f int, s string, max int, required bool) {
	switch {
	case s == "":
		if required {
			c.problem(row, f, "is required")
		}
	case utf8.RuneCountInString(s) > max:
		c.problem(row, f, "must be at most %d characters, not %d", max, utf8.RuneCountInString(s))
	case strings.ContainsFunc(s, unicode.IsControl):
		c.problem(row, f, "must not hold control characters such as line breaks or tabs")
	}
}

// keys normalises a list of role or engagement keys: trimmed, lower-case,
// sorted, without duplicates. Each key is 1 to 40 of a-z, 0-9 and "-".
func (c *checker) keys(row, f int, what string, keys []string) []string {
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		k = strings.TrimSpace(k)
		valid := k != "" && len(k) <= maxKeyLen &&
			!strings.ContainsFunc(k, func(r rune) bool { return !isASCIIAlnum(r) && r != '-' })
		if !valid {
			c.problem(row, f, "%s %q must be 1 to %d letters a-z, digits or \"-\"", what, k, maxKeyLen)
			continue
		}
		out = append(out, strings.ToLower(k))
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// date checks a YYYY-MM-DD date and reports whether s is one; an empty s is
// not, and is a problem when required.
func (c *checker) date(row, f int, s string, required bool) bool {
	if s == "" {
		if required {
			c.problem(row, f, "is required (YYYY-MM-DD)")
		}
		return false
	}
	if msg := dateError(s); msg != "" {
		c.problem(row, f, "%s", msg)
		return false
	}
	return true
}

// dateError says why s is not a real YYYY-MM-DD date, or returns "".
func dateError(s string) string {
	shaped := len(s) == len(DateLayout)
	for i := 0; shaped && i < len(s); i++ {
		if i == 4 || i == 7 {
			shaped = s[i] == '-'
		} else {
			shaped = s[i] >= '0' && s[i] <= '9'
		}
	}
	if !shaped {
		return fmt.Sprintf("%q is not a date in the form YYYY-MM-DD", s)
	}
	if _, err := time.Parse(DateLayout, s); err != nil {
		return fmt.Sprintf("%s is not a real date", s)
	}
	return ""
}

// zone reports whether name is a loadable IANA time zone. "Local" is not:
// it means the server's zone.
func (c *checker) zone(name string) bool {
	ok, seen := c.zones[name]
	if !seen {
		_, err := time.LoadLocation(name)
		ok = err == nil && name != "Local"
		c.zones[name] = ok
	}
	return ok
}

func isASCIIAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

// crossCheck checks what depends on several people: unique employee ids
// and emails, emails reserved by stored people, and managers. people are
// normalised and rows[i] is the row of people[i]; storedByID indexes stored.
func (c *checker) crossCheck(people []Person, rows []int, stored []Person, storedByID map[string]*Person, mode Mode) {
	storedEmails := make(map[string]string, len(stored)) // lower-case email → employee id
	for _, s := range stored {
		storedEmails[strings.ToLower(s.Email)] = s.EmployeeID
	}
	first := make(map[string]int, len(people))      // employee id → index of its first person
	firstEmail := make(map[string]int, len(people)) // lower-case email → index of its first person
	for i, p := range people {
		if p.EmployeeID != "" {
			if j, dup := first[p.EmployeeID]; dup {
				c.problem(rows[i], fEmployeeID, "%q is already on row %d", p.EmployeeID, rows[j])
			} else {
				first[p.EmployeeID] = i
			}
		}
		if p.Email == "" {
			continue
		}
		email := strings.ToLower(p.Email)
		if j, dup := firstEmail[email]; dup {
			c.problem(rows[i], fEmail, "%q is already on row %d (emails are compared ignoring case)", p.Email, rows[j])
		} else {
			firstEmail[email] = i
		}
		if owner, taken := storedEmails[email]; taken && owner != p.EmployeeID {
			c.problem(rows[i], fEmail, "%q already belongs to employee %s", p.Email, owner)
		}
	}

	// managerOf follows the manager graph: the upload alone in sync mode,
	// stored people overlaid with the upload in upsert mode. Where an id is
	// duplicated, its first person counts.
	managerOf := func(id string) (string, bool) {
		if i, ok := first[id]; ok {
			return people[i].ManagerID, true
		}
		if p, ok := storedByID[id]; ok && mode == ModeUpsert {
			return p.ManagerID, true
		}
		return "", false
	}
	for i, p := range people {
		m := p.ManagerID
		if m == "" {
			continue
		}
		_, known := managerOf(m)
		_, wasStored := storedByID[m]
		switch {
		case m == p.EmployeeID:
			c.problem(rows[i], fManagerID, "a person cannot be their own manager")
		case known:
		case wasStored:
			c.problem(rows[i], fManagerID, "unknown manager %q (not in this upload; in sync mode every manager must be in the upload)", m)
		default:
			c.problem(rows[i], fManagerID, "unknown manager %q: no person has this %s", m, c.u.fieldName(fEmployeeID))
		}
	}
	c.cycles(people, managerOf, func(id string) (int, bool) {
		i, ok := first[id]
		if !ok {
			return 0, false
		}
		return rows[i], true
	})
}

// cycles reports each manager cycle (A → B → C → A) once, on the row of its
// member that comes first in the upload; rowOf gives the row of an uploaded
// person. Self-management is reported on its own, and a cycle among stored
// people only is not this upload's doing.
func (c *checker) cycles(people []Person, managerOf func(string) (string, bool), rowOf func(string) (int, bool)) {
	const (
		onPath = 1
		done   = 2
	)
	state := make(map[string]int, len(people))
	var path []string
	for _, p := range people {
		path = path[:0]
		id := p.EmployeeID
		for id != "" && state[id] == 0 {
			state[id] = onPath
			path = append(path, id)
			next, _ := managerOf(id)
			if next == id {
				next = ""
			}
			id = next
		}
		if id != "" && state[id] == onPath {
			c.cycle(path[slices.Index(path, id):], rowOf)
		}
		for _, seen := range path {
			state[seen] = done
		}
	}
}

// cycle reports one manager cycle, listed from its member with the lowest
// row.
func (c *checker) cycle(members []string, rowOf func(string) (int, bool)) {
	start, startRow := -1, 0
	for i, id := range members {
		if row, ok := rowOf(id); ok && (start < 0 || row < startRow) {
			start, startRow = i, row
		}
	}
	if start < 0 {
		return
	}
	ordered := append(slices.Clone(members[start:]), members[:start]...)
	ordered = append(ordered, ordered[0])
	c.problem(startRow, fManagerID, "manager cycle: %s (each reports to the next)", strings.Join(ordered, " → "))
}
