package dynamo

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/attest-oss/attest/shared/ack"
	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/table"
	"github.com/attest-oss/attest/shared/waiver"
)

// Records is a batch of people's records as the store keeps them.
type Records struct {
	// Revisions are people's roster revisions; each person's profile is
	// written at their highest one.
	Revisions   []roster.Revision
	Assignments []assign.Assignment
	Attempts    []assign.Attempt
	Acks        []ack.Acknowledgment
	Waivers     []waiver.Waiver
	// Events are audit events, stored as the store's audited writes store
	// them (with their hash).
	Events []audit.Event
}

// BatchWriter is what LoadRecords needs of the client besides API.
type BatchWriter interface {
	BatchWriteItem(ctx context.Context, in *dynamodb.BatchWriteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.BatchWriteItemOutput, error)
}

// LoadRecords writes records for benchmarks and synthetic organisations
// (package synth), in exactly the items the store's own writes produce (its
// item encoders: people's profiles and revisions, assignments as they end up
// after their attempts, the waivers' person items and claims; not the email
// claims nor the wake index of renewals; audit events only as given in
// Events), but with BatchWriteItem, 25 items a call and 8 calls at once:
// DynamoDB Local runs transactions too slowly to load a large
// organisation's year of history one write at a time. It is never used by
// the functions. The store's client must be a BatchWriter.
func (s *Store) LoadRecords(ctx context.Context, r Records) error {
	bw, ok := s.api.(BatchWriter)
	if !ok {
		return fmt.Errorf("load records: the store's client %T cannot BatchWriteItem", s.api)
	}
	var items []any
	latest := map[string]roster.Revision{}
	for _, rev := range r.Revisions {
		items = append(items, newRevisionItem(rev))
		if rev.Rev > latest[rev.Person.EmployeeID].Rev {
			latest[rev.Person.EmployeeID] = rev
		}
	}
	for _, rev := range latest {
		items = append(items, newPersonItem(rev.Person, rev.Rev, rev.Rev, rev.At))
	}
	for _, a := range r.Assignments {
		items = append(items, newAssignmentItem(a))
	}
	for _, a := range r.Attempts {
		items = append(items, newAttemptItem(a))
	}
	for _, a := range r.Acks {
		items = append(items, newAckItem(a))
	}
	for _, w := range r.Waivers {
		items = append(items, newWaiverItem(w), waiverClaimItem{PK: table.PersonPK(w.EmployeeID), SK: table.WaiverClaimSK(w.Item),
			Type: table.TypeWaiverClaim, WaiverID: w.ID, ExpiresOn: w.ExpiresOn})
	}
	for _, e := range r.Events {
		items = append(items, newAuditItem(e))
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	errs := make(chan error, 1)
	for chunk := range slices.Chunk(items, 25) {
		var reqs []types.WriteRequest
		for _, it := range chunk {
			av, err := attributevalue.MarshalMap(it)
			if err != nil {
				return err
			}
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: av}})
		}
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			pending := map[string][]types.WriteRequest{s.table: reqs}
			for len(pending[s.table]) > 0 {
				out, err := bw.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: pending})
				if err != nil {
					select {
					case errs <- fmt.Errorf("load records: %w", err):
					default:
					}
					return
				}
				pending = out.UnprocessedItems
			}
		})
	}
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}
