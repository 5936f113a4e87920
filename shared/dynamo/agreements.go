package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/attest-oss/attest/shared/agreement"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/table"
)

// agreementItem is how a customer agreement is stored (AGREEMENTS / <key>).
type agreementItem struct {
	PK          string                `dynamodbav:"PK"`
	SK          string                `dynamodbav:"SK"`
	Type        string                `dynamodbav:"type"`
	Key         string                `dynamodbav:"key"`
	Customer    string                `dynamodbav:"customer"`
	Engagement  string                `dynamodbav:"engagement"`
	StartDate   string                `dynamodbav:"startDate"`
	EndDate     string                `dynamodbav:"endDate,omitempty"`
	Obligations []obligationAttribute `dynamodbav:"obligations"`
	Version     int                   `dynamodbav:"version"`
	UpdatedAt   time.Time             `dynamodbav:"updatedAt"`
	UpdatedBy   string                `dynamodbav:"updatedBy"`
}

// obligationAttribute is one obligation inside an agreement item.
type obligationAttribute struct {
	ID         string   `dynamodbav:"id"`
	Text       string   `dynamodbav:"text"`
	Kind       string   `dynamodbav:"kind"`
	Items      []string `dynamodbav:"items"`
	WithinDays int      `dynamodbav:"withinDays"`
	Target     float64  `dynamodbav:"target"`
}

func newAgreementItem(a agreement.Agreement) agreementItem {
	obs := make([]obligationAttribute, len(a.Obligations))
	for i, o := range a.Obligations {
		obs[i] = obligationAttribute{ID: o.ID, Text: o.Text, Kind: o.Kind, Items: o.Items, WithinDays: o.WithinDays, Target: o.Target}
	}
	return agreementItem{
		PK: table.AgreementsPK, SK: table.AgreementSK(a.Key), Type: table.TypeAgreement,
		Key: a.Key, Customer: a.Customer, Engagement: a.Engagement, StartDate: a.StartDate, EndDate: a.EndDate,
		Obligations: obs, Version: a.Version, UpdatedAt: a.UpdatedAt, UpdatedBy: a.UpdatedBy,
	}
}

func (it agreementItem) agreement() agreement.Agreement {
	obs := make([]agreement.Obligation, len(it.Obligations))
	for i, o := range it.Obligations {
		obs[i] = agreement.Obligation{ID: o.ID, Text: o.Text, Kind: o.Kind, Items: o.Items, WithinDays: o.WithinDays, Target: o.Target}
	}
	return agreement.Agreement{
		Key: it.Key, Customer: it.Customer, Engagement: it.Engagement, StartDate: it.StartDate, EndDate: it.EndDate,
		Obligations: obs, Version: it.Version, UpdatedAt: it.UpdatedAt, UpdatedBy: it.UpdatedBy,
	}
}

// Agreement returns the customer agreement with the given key, or
// found=false.
func (s *Store) Agreement(ctx context.Context, key string) (a agreement.Agreement, found bool, err error) {
	var it agreementItem
	found, err = s.getItem(ctx, table.AgreementsPK, table.AgreementSK(key), &it)
	if err != nil || !found {
		return agreement.Agreement{}, false, err
	}
	return it.agreement(), true, nil
}

// Agreements returns every customer agreement, ordered by key, in one Query
// of the agreements' partition (an organisation has a handful).
func (s *Store) Agreements(ctx context.Context) ([]agreement.Agreement, error) {
	out, err := queryItems(ctx, s, table.AgreementsPK, "", noError(agreementItem.agreement))
	if err != nil {
		return nil, fmt.Errorf("agreements: %w", err)
	}
	return out, nil
}

// PutAgreement stores a as the next version, saved now by actor, with its
// agreement.saved audit event (naming the changed fields) in one
// transaction, if nobody stored the agreement since version a.Version was
// read (0: never stored); it returns a Conflict error otherwise.
func (s *Store) PutAgreement(ctx context.Context, a agreement.Agreement, changed []string, actor string) error {
	next := a
	next.Version++
	next.UpdatedAt = s.now().UTC()
	next.UpdatedBy = actor
	event := audit.Event{
		ID: audit.NewBatchID(), At: next.UpdatedAt, Actor: actor, Action: audit.ActionAgreementSaved, Subject: identity.AgreementRef(a.Key),
		Details: map[string]any{"key": a.Key, "version": next.Version, "changed": changed, "engagement": a.Engagement},
	}
	if err := s.putAudited(ctx, newAgreementItem(next), replacing(a.Version), event); err != nil {
		return fmt.Errorf("put agreement %q: %w", a.Key, err)
	}
	return nil
}
