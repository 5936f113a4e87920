package roster

import (
	"context"
	"io"
	"time"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/identity"
)

// Options are an upload's query options and who sends it: what validation
// depends on besides the file and the stored roster. Both the synchronous
// import (Service) and the large one (ImportService) validate through them.
type Options struct {
	Mode   Mode          `json:"mode"`
	DryRun bool          `json:"dryRun"`
	Role   identity.Role `json:"role"`
	// ConfirmDeactivations is Request.ConfirmDeactivations.
	ConfirmDeactivations *int `json:"confirmDeactivations,omitempty"`
	// PlanDigest is Request.PlanDigest (synchronous imports only).
	PlanDigest string `json:"-"`
}

// PeopleLister reads the stored roster.
type PeopleLister interface {
	// ListPeople returns every stored person.
	ListPeople(ctx context.Context) ([]Record, error)
}

// validated is an upload that passed validation against the stored roster:
// its plan and the counts reported before any write.
type validated struct {
	upload Upload
	plan   Plan
	// stored holds the stored records the plan was made against.
	stored map[string]Record
	// result is the outcome without the assignments' counts.
	result Result
	today  string
	digest string
}

// changed returns the people the plan updates or deactivates, as they
// will be.
func (v validated) changed() []Person {
	changed := make([]Person, 0, len(v.plan.Updated)+len(v.plan.Deactivated))
	for _, c := range v.plan.Updated {
		changed = append(changed, c.After)
	}
	for _, c := range v.plan.Deactivated {
		changed = append(changed, c.After)
	}
	return changed
}

// validate parses body (of contentType), reads the stored roster once,
// plans the import as of now and checks it: the caller's role
// (CheckAccess) and the deactivations (CheckDeactivations, which a dry
// run without a confirmation only warns about). It returns an
// *apperr.Error (Invalid with every problem, or Unsupported) for an upload
// that may not be written, and writes nothing. An Invalid error lists at
// most limit problems, the last saying how many more there were:
// maxProblems for PUT /api/roster's answer, maxFileProblems for a large
// import's problems.json.
func validate(ctx context.Context, store PeopleLister, cat *catalog.Catalog, body io.Reader, contentType string, opt Options, now time.Time, limit int) (validated, error) {
	upload, problems, err := parse(body, contentType, limit)
	if err != nil {
		return validated{}, err
	}
	if len(problems) > 0 {
		return validated{}, apperr.InvalidWith("the roster is invalid; nothing was written", problems)
	}
	stored, err := store.ListPeople(ctx)
	if err != nil {
		return validated{}, err
	}
	storedPeople := make([]Person, len(stored))
	byID := make(map[string]Record, len(stored))
	for i, r := range stored {
		storedPeople[i] = r.Person
		byID[r.EmployeeID] = r
	}
	today := now.UTC().Format(DateLayout)
	plan, err := planImport(upload, storedPeople, opt.Mode, today, cat.HasRole, limit)
	if err != nil {
		return validated{}, err
	}
	digest := PlanDigest(opt.Mode, plan)
	if opt.PlanDigest != "" && opt.PlanDigest != digest {
		return validated{}, ErrPlanChanged
	}
	if err := checkAccess(upload, plan, opt.Role, limit); err != nil {
		return validated{}, err
	}
	active := 0
	for _, p := range storedPeople {
		if p.ActiveOn(today) {
			active++
		}
	}
	confirm := opt.ConfirmDeactivations
	if confirm == nil && opt.DryRun && NeedsConfirmation(len(plan.Deactivated), active) {
		plan.Warnings = append(plan.Warnings, confirmationWarning(len(plan.Deactivated), active))
	} else if err := CheckDeactivations(len(plan.Deactivated), active, confirm); err != nil {
		return validated{}, err
	}
	res := Result{
		Created:     len(plan.Created),
		Updated:     len(plan.Updated),
		Deactivated: len(plan.Deactivated),
		Unchanged:   plan.Unchanged,
		DryRun:      opt.DryRun,
		Warnings:    append(upload.Warnings, plan.Warnings...),
	}
	if res.Warnings == nil {
		res.Warnings = []apperr.Problem{}
	}
	return validated{upload: upload, plan: plan, stored: byID, result: res, today: today, digest: digest}, nil
}
