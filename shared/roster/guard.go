package roster

import (
	"fmt"
	"slices"
	"strings"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/identity"
)

// CheckAccess returns an Invalid *apperr.Error when a plan made from upload
// u holds changes that a caller with role may not make, with problems
// naming the row of u and the field; nil otherwise. Only an admin grants or removes the access roles admin and
// auditor, in the roles of a new or a stored person, and only an admin
// changes the email of a person who holds one, since their sign-in links
// go to it (a change of case only is allowed), or reactivates them or
// moves their end date later, since that restores or prolongs their access. Any other role, or none,
// may make neither change; an admin may make every change.
// Deactivations (a sync's, or an earlier end date) are never refused here.
func CheckAccess(u Upload, plan Plan, role identity.Role) error {
	return checkAccess(u, plan, role, maxProblems)
}

// checkAccess is CheckAccess refusing with at most limit problems (the
// last saying how many more there were).
func checkAccess(u Upload, plan Plan, role identity.Role, limit int) error {
	if role == identity.Admin {
		return nil
	}
	rows := make(map[string]int, len(u.People))
	for i, p := range u.People {
		rows[strings.TrimSpace(p.EmployeeID)] = u.Rows[i]
	}
	ps := problemList{noun: "problems", limit: limit}
	refuse := func(id string, f int, format string, args ...any) {
		ps.add(apperr.Problem{Row: rows[id], Field: u.fieldName(f), Message: fmt.Sprintf(format, args...)})
	}
	for _, p := range plan.Created {
		if granted := accessRoles(p); len(granted) > 0 {
			refuse(p.EmployeeID, fRoles, "only an admin may grant the access roles admin and auditor; this upload (by %s) grants %s", who(role), strings.Join(granted, " and "))
		}
	}
	for _, c := range plan.Updated {
		before, after := accessRoles(c.Before), accessRoles(c.After)
		if !slices.Equal(before, after) {
			var what []string
			if granted := missing(after, before); len(granted) > 0 {
				what = append(what, "grants "+strings.Join(granted, " and "))
			}
			if removed := missing(before, after); len(removed) > 0 {
				what = append(what, "removes "+strings.Join(removed, " and "))
			}
			refuse(c.After.EmployeeID, fRoles, "only an admin may grant or remove the access roles admin and auditor; this upload (by %s) %s", who(role), strings.Join(what, " and "))
		}
		if len(before) > 0 && !strings.EqualFold(c.Before.Email, c.After.Email) {
			refuse(c.After.EmployeeID, fEmail, "only an admin may change the email of a person who holds the access role %s (this upload is by %s)", strings.Join(before, " and "), who(role))
		}
		if len(before) > 0 && extends(c.Before.EndDate, c.After.EndDate) {
			refuse(c.After.EmployeeID, fEndDate, "only an admin may reactivate a person who holds the access role %s or extend their end date (this upload is by %s)", strings.Join(before, " and "), who(role))
		}
	}
	if ps.n == 0 {
		return nil
	}
	slices.SortStableFunc(ps.kept, byRow)
	return apperr.InvalidWith(countProblems(ps.n)+"; nothing was written", ps.list())
}

// extends reports whether an end date changing from before to after gives
// access for longer: cleared, or moved later.
func extends(before, after string) bool {
	return before != "" && (after == "" || after > before)
}

// accessRoles returns the access roles p holds, sorted.
func accessRoles(p Person) []string {
	var out []string
	for _, r := range p.Roles {
		if identity.IsAccessRole(strings.ToLower(r)) {
			out = append(out, strings.ToLower(r))
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// missing returns the items of a that are not in b.
func missing(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// who names the caller of role in a message.
func who(role identity.Role) string {
	if role == "" {
		return "a caller without a role"
	}
	return "an " + string(role) + " key"
}

// Limits on what one sync may deactivate without confirmation: more than
// maxUnconfirmedPercent of the people active before it and more than
// maxUnconfirmed people need it.
const (
	maxUnconfirmedPercent = 10
	maxUnconfirmed        = 5
)

// ConfirmParam is the query parameter that confirms a sync's deactivations.
const ConfirmParam = "confirmDeactivations"

// NeedsConfirmation reports whether deactivating deactivated of active
// people (active before the import) needs the uploader's confirmation: a
// sync missing most rows by mistake would otherwise deactivate almost
// everyone.
func NeedsConfirmation(deactivated, active int) bool {
	return deactivated > maxUnconfirmed && deactivated*100 > active*maxUnconfirmedPercent
}

// CheckDeactivations returns an Invalid error when a plan deactivating
// deactivated of active people needs confirmation (NeedsConfirmation) and
// confirm is not that number, or when confirm is given (not nil) and is
// not that number anyway: a confirmation made after a dry run no longer
// holds once the roster changed. The message says the number and how to
// confirm it.
func CheckDeactivations(deactivated, active int, confirm *int) error {
	switch {
	case confirm != nil && *confirm != deactivated:
		return apperr.New(apperr.Invalid, "%s=%d does not match: this upload deactivates %d of %d active people; nothing was written. "+
			"Check the upload and, if that is intended, send it with %s=%d", ConfirmParam, *confirm, deactivated, active, ConfirmParam, deactivated)
	case confirm == nil && NeedsConfirmation(deactivated, active):
		return apperr.New(apperr.Invalid, "%s; nothing was written. If that is intended, send it again with %s=%d",
			deactivationCount(deactivated, active), ConfirmParam, deactivated)
	}
	return nil
}

// confirmationWarning is the dry run's warning about deactivations that
// the real import needs confirmed.
func confirmationWarning(deactivated, active int) apperr.Problem {
	return apperr.Problem{Message: fmt.Sprintf("%s: the import needs %s=%d", deactivationCount(deactivated, active), ConfirmParam, deactivated)}
}

// deactivationCount says how many people a sync deactivates.
func deactivationCount(deactivated, active int) string {
	return fmt.Sprintf("this sync deactivates %d of %d active people (more than %d%% and more than %d)",
		deactivated, active, maxUnconfirmedPercent, maxUnconfirmed)
}
