package httpapi

import (
	"net/http"

	"github.com/attest-oss/attest/shared/agreement"
)

// maxAgreementBody bounds PUT /api/agreements/{key}: a real agreement is a
// few kilobytes; the most the rules allow (50 clauses of 1,000 characters)
// stays well under DynamoDB's 400 KB item.
const maxAgreementBody = 256 << 10

// agreementRequest is the body of PUT /api/agreements/{key}.
type agreementRequest struct {
	Customer    string                 `json:"customer"`
	Engagement  string                 `json:"engagement"`
	StartDate   string                 `json:"startDate"`
	EndDate     string                 `json:"endDate"`
	Obligations []agreement.Obligation `json:"obligations"`
}

const agreementShape = `{"customer", "engagement", "startDate", "endDate", "obligations": [{"id", "text", "kind", "items", "withinDays", "target"}]}`

// agreementList is the body of GET /api/agreements.
type agreementList struct {
	Agreements []agreement.Agreement `json:"agreements"`
}

// listAgreements answers GET /api/agreements: every agreement by key; an
// auditor key scoped to an agreement sees that one only.
func (s *Server) listAgreements(w http.ResponseWriter, r *http.Request) error {
	as, err := s.deps.Agreements.List(r.Context(), caller(r).agreement)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, agreementList{Agreements: nonNil(as)})
	return nil
}

// getAgreement answers GET /api/agreements/{key}: 404 for an unknown key,
// 403 for an auditor key scoped to another agreement.
func (s *Server) getAgreement(w http.ResponseWriter, r *http.Request) error {
	a, err := s.deps.Agreements.Get(r.Context(), r.PathValue("key"), caller(r).agreement)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, a)
	return nil
}

// putAgreement answers PUT /api/agreements/{key}, which creates or replaces
// the agreement: 201 with the agreement as stored when it is new, 200
// otherwise, with what the assignment engine did for the people on its
// engagement. A body with the same terms writes nothing.
func (s *Server) putAgreement(w http.ResponseWriter, r *http.Request) error {
	key := r.PathValue("key")
	if err := agreement.CheckKey(key); err != nil {
		return err
	}
	body, err := readBody(w, r, maxAgreementBody)
	if err != nil {
		return err
	}
	var req agreementRequest
	if err := decodeStrict(body, &req, agreementShape); err != nil {
		return err
	}
	saved, err := s.deps.Agreements.Put(r.Context(), agreement.Agreement{
		Key: key, Customer: req.Customer, Engagement: req.Engagement, StartDate: req.StartDate, EndDate: req.EndDate,
		Obligations: req.Obligations,
	}, caller(r).actor, sourceOf(r))
	if err != nil {
		return err
	}
	status := http.StatusOK
	if saved.Created {
		status = http.StatusCreated
	}
	writeJSON(w, status, saved)
	return nil
}
