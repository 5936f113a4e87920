package httpapi

import (
	"html/template"
	"net/http"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/attest-oss/attest/shared/ack"
	"github.com/attest-oss/attest/shared/apperr"
)

// maxAckBody bounds an acknowledgment; a real one is well under 1 KB.
const maxAckBody = 16 << 10

var errNotUnderstood = apperr.InvalidWith("tick “I have read and understood this policy” to acknowledge it",
	[]apperr.Problem{{Field: "understood", Message: "must be ticked"}})

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

// openPolicy opens a required policy (ack.Service.Open) and renders its text.
func (s *Server) openPolicy(r *http.Request, who *signedIn) (ack.Opened, template.HTML, error) {
	op, err := s.deps.Acks.Open(r.Context(), who.person.Person, r.PathValue("policyId"))
	if err != nil {
		return ack.Opened{}, "", err
	}
	body, err := renderMarkdown(op.Policy.SHA256, op.Policy.Body)
	return op, body, err
}

// acknowledge records the signed-in person's acknowledgment of the
// request's policy.
func (s *Server) acknowledge(r *http.Request, who *signedIn, req ackRequest) (ack.Acknowledgment, bool, error) {
	return s.deps.Acks.Acknowledge(r.Context(), ack.Request{
		Person: who.person.Person, PolicyID: r.PathValue("policyId"),
		TypedName: req.TypedName, VersionSHA256: req.VersionSHA256,
		Source: sourceOf(r), UserAgent: r.UserAgent(),
	})
}

// apiPolicy answers GET /api/me/policies/{policyId}.
func (s *Server) apiPolicy(w http.ResponseWriter, r *http.Request, who *signedIn) error {
	op, body, err := s.openPolicy(r, who)
	if err != nil {
		return err
	}
	p := op.Policy
	v := policyView{
		PolicyID: p.ID, Title: p.Title, Version: p.Version.String(), VersionSHA256: p.SHA256, Cycle: op.Cycle,
		MinReadSeconds: p.MinReadSeconds, BodyHTML: string(body),
	}
	if op.Acked != nil {
		av := viewOfAck(*op.Acked)
		v.Acknowledgment = &av
	}
	writeJSON(w, http.StatusOK, v)
	return nil
}

// apiAcknowledge answers POST /api/me/policies/{policyId}/acknowledgments:
// 201 with the new acknowledgment, or 200 with the one already stored for
// this cycle.
func (s *Server) apiAcknowledge(w http.ResponseWriter, r *http.Request, who *signedIn) error {
	body, err := readBody(w, r, maxAckBody)
	if err != nil {
		return err
	}
	if _, err := s.deps.Acks.Required(who.person.Roles, r.PathValue("policyId")); err != nil {
		return err
	}
	var req ackRequest
	if err := decodeStrict(body, &req, `{"typedName": "...", "versionSha256": "..."}`); err != nil {
		return err
	}
	a, created, err := s.acknowledge(r, who, req)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	writeJSON(w, status, viewOfAck(a))
	return nil
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
func (s *Server) policyPageHandler(w http.ResponseWriter, r *http.Request, who *signedIn) error {
	return s.renderPolicy(w, r, who, http.StatusOK, "", "")
}

// renderPolicy shows the policy page with status; after a refused submission
// it carries the error message and the name the person typed.
func (s *Server) renderPolicy(w http.ResponseWriter, r *http.Request, who *signedIn, status int, message, typedName string) error {
	op, body, err := s.openPolicy(r, who)
	if err != nil {
		return err
	}
	p := op.Policy
	page := policyPage{
		ID: p.ID, Title: p.Title, Version: p.Version.String(), SHA256: p.SHA256, Summary: p.Summary,
		MinReadSeconds: p.MinReadSeconds, Body: body, CSRFToken: who.session.CSRFToken,
		TypedName: typedName, Error: message,
	}
	if a := op.Acked; a != nil {
		page.Acknowledged = &acknowledgedNote{
			When: formatInstant(a.AcknowledgedAt, who.person.Location()), TypedName: a.TypedName,
			Version: a.PolicyVersion, OtherVersion: a.PolicyVersion != page.Version,
		}
	}
	s.renderPage(w, r, status, "policy", who, page)
	return nil
}

// formAcknowledge answers the policy page's form (POST /me/policies/{policyId}):
// a redirect to the page on success, the page again with the reason and a
// 4xx status when refused.
func (s *Server) formAcknowledge(w http.ResponseWriter, r *http.Request, who *signedIn) error {
	req := ackRequest{TypedName: r.PostFormValue("typedName"), VersionSHA256: r.PostFormValue("versionSha256")}
	err := s.acknowledgeForm(r, who, req)
	switch code := apperr.CodeOf(err); {
	case err == nil:
		http.Redirect(w, r, "/me/policies/"+r.PathValue("policyId"), http.StatusSeeOther)
		return nil
	case code == apperr.TooLarge:
		return s.renderPolicy(w, r, who, statusOf(code), formMessage(err), "")
	case code == apperr.Invalid || code == apperr.Conflict:
		return s.renderPolicy(w, r, who, statusOf(code), formMessage(err), req.TypedName)
	}
	return err
}

// acknowledgeForm checks what only the form has (its size, the tick box) and
// acknowledges.
func (s *Server) acknowledgeForm(r *http.Request, who *signedIn, req ackRequest) error {
	if r.ContentLength > maxAckBody {
		return apperr.New(apperr.TooLarge, "the form is over the limit of %d bytes", maxAckBody)
	}
	if _, err := s.deps.Acks.Required(who.person.Roles, r.PathValue("policyId")); err != nil {
		return err
	}
	if r.PostFormValue("understood") != "yes" {
		return errNotUnderstood
	}
	_, _, err := s.acknowledge(r, who, req)
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
