package httpapi

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/attest-oss/attest/shared/ack"
	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/catalog"
	"github.com/attest-oss/attest/shared/identity"
)

// AckStore keeps policy acknowledgments and the first views that gate them.
type AckStore interface {
	// RecordPolicyView stores a first view unless one of the same person,
	// policy, cycle and version is stored already.
	RecordPolicyView(ctx context.Context, v ack.View) error
	// PolicyView returns the first view of a policy version in a cycle, or
	// found=false.
	PolicyView(ctx context.Context, employeeID, policyID, cycle, sha256 string) (ack.View, bool, error)
	// Acknowledgment returns the person's acknowledgment of a policy in a
	// cycle, or found=false.
	Acknowledgment(ctx context.Context, employeeID, policyID, cycle string) (ack.Acknowledgment, bool, error)
	// Acknowledgments returns every acknowledgment of a person, every cycle.
	Acknowledgments(ctx context.Context, employeeID string) ([]ack.Acknowledgment, error)
	// PutAcknowledgment stores a new acknowledgment with its audit event or,
	// when the cycle's acknowledgment exists, returns it with created=false.
	PutAcknowledgment(ctx context.Context, a ack.Acknowledgment, event audit.Event) (ack.Acknowledgment, bool, error)
}

// maxAckBody bounds an acknowledgment; a real one is well under 1 KB.
const maxAckBody = 16 << 10

var (
	errPolicyNotRequired = apperr.New(apperr.NotFound, "no such policy among those you must acknowledge")
	errStalePolicy       = apperr.New(apperr.Conflict, "the policy changed since you opened it; reload and read the current version")
	errNotUnderstood     = apperr.InvalidWith("tick “I have read and understood this policy” to acknowledge it",
		[]apperr.Problem{{Field: "understood", Message: "must be ticked"}})
)

// ackRequest is the body of POST /api/me/policies/{id}/acknowledgments, and
// the fields of the policy page's form.
type ackRequest struct {
	TypedName     string `json:"typedName"`
	VersionSHA256 string `json:"versionSha256"`
}

// ackView is an acknowledgment as the API shows it.
type ackView struct {
	PolicyID       string    `json:"policyId"`
	Version        string    `json:"version"`
	VersionSHA256  string    `json:"versionSha256"`
	Cycle          string    `json:"cycle"`
	AcknowledgedAt time.Time `json:"acknowledgedAt"`
	TypedName      string    `json:"typedName"`
}

func viewOfAck(a ack.Acknowledgment) ackView {
	return ackView{
		PolicyID: a.PolicyID, Version: a.PolicyVersion, VersionSHA256: a.TextSHA256,
		Cycle: a.Cycle, AcknowledgedAt: a.AcknowledgedAt, TypedName: a.TypedName,
	}
}

// policyView is GET /api/me/policies/{id}.
type policyView struct {
	PolicyID       string   `json:"policyId"`
	Title          string   `json:"title"`
	Version        string   `json:"version"`
	VersionSHA256  string   `json:"versionSha256"`
	Cycle          string   `json:"cycle"`
	MinReadSeconds int      `json:"minReadSeconds"`
	BodyHTML       string   `json:"bodyHtml"`
	Acknowledgment *ackView `json:"acknowledgment"`
}

// openedPolicy is a required policy as the person sees it now.
type openedPolicy struct {
	policy *catalog.Policy
	cycle  string
	body   template.HTML
	// acked is the acknowledgment of the current cycle, if any.
	acked *ack.Acknowledgment
}

// requiredPolicy returns the policy with id if the person's roles require it;
// any other id is NotFound.
func (s *Server) requiredPolicy(who *signedIn, id string) (*catalog.Policy, error) {
	_, policies := s.deps.Catalog.ItemsForRoles(who.person.Roles)
	for _, p := range policies {
		if p.ID == id {
			return p, nil
		}
	}
	return nil, errPolicyNotRequired
}

// openPolicy finds a required policy, renders it and looks up this cycle's
// acknowledgment. Until the person has acknowledged it, opening the policy
// records the first view, from which the reading time is measured.
func (s *Server) openPolicy(ctx context.Context, who *signedIn, id string) (openedPolicy, error) {
	p, err := s.requiredPolicy(who, id)
	if err != nil {
		return openedPolicy{}, err
	}
	now := s.deps.Now()
	emp := who.person.EmployeeID
	op := openedPolicy{policy: p, cycle: ack.Cycle(now, who.person.Location(), p.Version.Major)}
	if op.body, err = renderMarkdown(p.SHA256, p.Body); err != nil {
		return openedPolicy{}, err
	}
	a, found, err := s.deps.Acks.Acknowledgment(ctx, emp, p.ID, op.cycle)
	if err != nil {
		return openedPolicy{}, err
	}
	if found {
		op.acked = &a
		return op, nil
	}
	err = s.deps.Acks.RecordPolicyView(ctx, ack.View{
		EmployeeID: emp, PolicyID: p.ID, VersionSHA256: p.SHA256, Cycle: op.cycle, FirstViewedAt: now.UTC(),
	})
	return op, err
}

// acknowledgedAt returns the acknowledgment times of a person's policies by
// policy id and cycle.
func (s *Server) acknowledgedAt(ctx context.Context, employeeID string) (map[[2]string]time.Time, error) {
	all, err := s.deps.Acks.Acknowledgments(ctx, employeeID)
	if err != nil {
		return nil, err
	}
	out := make(map[[2]string]time.Time, len(all))
	for _, a := range all {
		out[[2]string{a.PolicyID, a.Cycle}] = a.AcknowledgedAt
	}
	return out, nil
}

// acknowledge records the person's acknowledgment of p in the current cycle.
// The version hash must be the current one and the policy must have been
// open for its minimum reading time. A repeat within the cycle returns the
// stored acknowledgment with created=false and writes nothing.
func (s *Server) acknowledge(r *http.Request, who *signedIn, p *catalog.Policy, req ackRequest) (a ack.Acknowledgment, created bool, err error) {
	if req.VersionSHA256 == "" {
		return ack.Acknowledgment{}, false, apperr.InvalidWith("versionSha256 is missing: give the SHA-256 of the version you read",
			[]apperr.Problem{{Field: "versionSha256", Message: "is missing"}})
	}
	if req.VersionSHA256 != p.SHA256 {
		return ack.Acknowledgment{}, false, errStalePolicy
	}
	name, err := ack.TypedName(req.TypedName)
	if err != nil {
		return ack.Acknowledgment{}, false, err
	}
	ctx := r.Context()
	now := s.deps.Now()
	emp := who.person.EmployeeID
	cycle := ack.Cycle(now, who.person.Location(), p.Version.Major)
	existing, found, err := s.deps.Acks.Acknowledgment(ctx, emp, p.ID, cycle)
	if err != nil || found {
		return existing, false, err
	}
	if err := s.checkReadingTime(ctx, emp, p, cycle, now); err != nil {
		return ack.Acknowledgment{}, false, err
	}
	a = ack.Acknowledgment{
		EmployeeID: emp, PolicyID: p.ID, PolicyVersion: p.Version.String(), TextSHA256: p.SHA256, Cycle: cycle,
		AcknowledgedAt: now.UTC().Truncate(time.Second), TypedName: name,
		IP: sourceOf(r), UserAgent: audit.UserAgent(r.UserAgent()),
	}
	event := audit.Event{
		ID: audit.NewBatchID(), At: now, Actor: identity.PersonActor(emp), Action: audit.ActionPolicyAcknowledged,
		Subject: identity.PersonRef(emp), Source: a.IP,
		Details: map[string]any{"policy": p.ID, "version": a.PolicyVersion, "versionSha256": p.SHA256, "cycle": cycle},
	}
	return s.deps.Acks.PutAcknowledgment(ctx, a, event)
}

// checkReadingTime is the engagement gate: the person must have opened this
// version of p in this cycle at least p.MinReadSeconds ago.
func (s *Server) checkReadingTime(ctx context.Context, employeeID string, p *catalog.Policy, cycle string, now time.Time) error {
	v, found, err := s.deps.Acks.PolicyView(ctx, employeeID, p.ID, cycle, p.SHA256)
	if err != nil {
		return err
	}
	minimum := time.Duration(p.MinReadSeconds) * time.Second
	if found && now.Sub(v.FirstViewedAt) >= minimum {
		return nil
	}
	if p.MinReadSeconds == 0 {
		return apperr.New(apperr.Invalid, "open and read the policy first")
	}
	msg := fmt.Sprintf("read the policy for at least %d seconds first", p.MinReadSeconds)
	if found {
		left := (minimum - now.Sub(v.FirstViewedAt) + time.Second - 1).Truncate(time.Second)
		msg += fmt.Sprintf(" (%d seconds to go)", int(left.Seconds()))
	}
	return apperr.New(apperr.Invalid, "%s", msg)
}

// apiPolicy answers GET /api/me/policies/{policyId}.
func (s *Server) apiPolicy(w http.ResponseWriter, r *http.Request, who *signedIn) {
	op, err := s.openPolicy(r.Context(), who, r.PathValue("policyId"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p := op.policy
	v := policyView{
		PolicyID: p.ID, Title: p.Title, Version: p.Version.String(), VersionSHA256: p.SHA256, Cycle: op.cycle,
		MinReadSeconds: p.MinReadSeconds, BodyHTML: string(op.body),
	}
	if op.acked != nil {
		av := viewOfAck(*op.acked)
		v.Acknowledgment = &av
	}
	writeJSON(w, http.StatusOK, v)
}

// apiAcknowledge answers POST /api/me/policies/{policyId}/acknowledgments:
// 201 with the new acknowledgment, or 200 with the one already stored for
// this cycle.
func (s *Server) apiAcknowledge(w http.ResponseWriter, r *http.Request, who *signedIn) {
	body, err := readBody(w, r, maxAckBody)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	p, err := s.requiredPolicy(who, r.PathValue("policyId"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var req ackRequest
	if err := decodeStrict(body, &req, `{"typedName": "...", "versionSha256": "..."}`); err != nil {
		s.writeError(w, r, err)
		return
	}
	a, created, err := s.acknowledge(r, who, p, req)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, viewOfAck(a))
}

// policyPage is the data of the policy page.
type policyPage struct {
	ID, Title, Version, SHA256, Summary string
	MinReadSeconds                      int
	Body                                template.HTML
	// Acknowledged is set once the person has acknowledged the policy this cycle.
	Acknowledged *acknowledgedNote
	CSRFToken    string
	// TypedName and Error are shown again after a refused submission.
	TypedName, Error string
}

// acknowledgedNote says when and as whom the person acknowledged a policy.
type acknowledgedNote struct {
	When, TypedName, Version string
	// OtherVersion is set when the acknowledged version is not the current one.
	OtherVersion bool
}

// policyPageHandler answers GET /me/policies/{policyId}.
func (s *Server) policyPageHandler(w http.ResponseWriter, r *http.Request, who *signedIn) {
	s.renderPolicy(w, r, who, http.StatusOK, "", "")
}

// renderPolicy shows the policy page with status; after a refused submission
// it carries the error message and the name the person typed.
func (s *Server) renderPolicy(w http.ResponseWriter, r *http.Request, who *signedIn, status int, message, typedName string) {
	op, err := s.openPolicy(r.Context(), who, r.PathValue("policyId"))
	if err != nil {
		s.fail(w, r, true, err)
		return
	}
	p := op.policy
	page := policyPage{
		ID: p.ID, Title: p.Title, Version: p.Version.String(), SHA256: p.SHA256, Summary: p.Summary,
		MinReadSeconds: p.MinReadSeconds, Body: op.body, CSRFToken: who.session.CSRFToken,
		TypedName: typedName, Error: message,
	}
	if a := op.acked; a != nil {
		page.Acknowledged = &acknowledgedNote{
			When: formatInstant(a.AcknowledgedAt, who.person.Location()), TypedName: a.TypedName,
			Version: a.PolicyVersion, OtherVersion: a.PolicyVersion != page.Version,
		}
	}
	s.renderPage(w, r, status, "policy", who, page)
}

// formAcknowledge answers the policy page's form (POST /me/policies/{policyId}):
// a redirect to the page on success, the page again with the reason and a
// 4xx status when refused.
func (s *Server) formAcknowledge(w http.ResponseWriter, r *http.Request, who *signedIn) {
	req := ackRequest{TypedName: r.PostFormValue("typedName"), VersionSHA256: r.PostFormValue("versionSha256")}
	err := s.acknowledgeForm(r, who, req)
	switch code := apperr.CodeOf(err); {
	case err == nil:
		http.Redirect(w, r, "/me/policies/"+r.PathValue("policyId"), http.StatusSeeOther)
	case code == apperr.TooLarge:
		s.renderPolicy(w, r, who, statusOf(code), formMessage(err), "")
	case code == apperr.Invalid || code == apperr.Conflict:
		s.renderPolicy(w, r, who, statusOf(code), formMessage(err), req.TypedName)
	default:
		s.fail(w, r, true, err)
	}
}

// acknowledgeForm checks what only the form has (its size, the tick box) and
// acknowledges.
func (s *Server) acknowledgeForm(r *http.Request, who *signedIn, req ackRequest) error {
	if r.ContentLength > maxAckBody {
		return apperr.New(apperr.TooLarge, "the form is over the limit of %d bytes", maxAckBody)
	}
	p, err := s.requiredPolicy(who, r.PathValue("policyId"))
	if err != nil {
		return err
	}
	if r.PostFormValue("understood") != "yes" {
		return errNotUnderstood
	}
	_, _, err = s.acknowledge(r, who, p, req)
	return err
}

// formMessage words a refusal as a sentence for the page, which calls the
// typedName field "Your full name".
func formMessage(err error) string {
	e, _ := apperr.As(err)
	if len(e.Problems) == 1 && e.Problems[0].Field == "typedName" {
		return "Your full name " + e.Problems[0].Message + "."
	}
	r, size := utf8.DecodeRuneInString(e.Message)
	return string(unicode.ToUpper(r)) + e.Message[size:] + "."
}
