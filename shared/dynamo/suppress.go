package dynamo

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/table"
)

// suppressItem records that mail to an address cannot be delivered: it
// bounced permanently or its recipient complained.
type suppressItem struct {
	PK   string `dynamodbav:"PK"`
	SK   string `dynamodbav:"SK"`
	Type string `dynamodbav:"type"`
	// Email is the address in lower case.
	Email  string `dynamodbav:"email"`
	Reason string `dynamodbav:"reason"`
	// SESMessageID is the id SES gave the message that bounced or drew the complaint.
	SESMessageID string `dynamodbav:"sesMessageId"`
	// At is when the bounce or complaint happened, as SES reported it.
	At time.Time `dynamodbav:"at"`
}

// suppressWriteAttempts bounds how often an address is marked again after
// DynamoDB cancelled the transaction for a concurrent one on the same item.
const suppressWriteAttempts = 3

// MarkUndeliverable records that mail to email (any case) cannot be
// delivered, for reason (such as "bounce" or "complaint"), as reported for
// the SES message messageID at time at, with its email.undeliverable audit
// event in one transaction. An address already marked keeps its first
// record: marking it again, or replaying the same event, writes nothing.
func (s *Store) MarkUndeliverable(ctx context.Context, email, reason, messageID string, at time.Time) error {
	addr := strings.ToLower(email)
	item, err := put(s.table, suppressItem{
		PK: table.SuppressPK(addr), SK: table.SuppressSK, Type: table.TypeSuppression,
		Email: addr, Reason: reason, SESMessageID: messageID, At: at.UTC(),
	}, notExists())
	if err != nil {
		return err
	}
	ev, err := s.auditPut(audit.Event{
		ID: audit.NewBatchID(), At: s.now(), Actor: "ses", Action: audit.ActionEmailUndeliverable,
		Subject: "email#" + addr, Source: "ses",
		Details: map[string]any{"reason": reason, "sesMessageId": messageID, "at": at.UTC().Format(time.RFC3339Nano)},
	})
	if err != nil {
		return err
	}
	for range suppressWriteAttempts {
		_, err = s.api.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{item, ev}})
		if err == nil {
			return nil
		}
		_, found, getErr := s.Undeliverable(ctx, addr)
		if getErr != nil {
			return fmt.Errorf("mark undeliverable: %w", getErr)
		}
		if found {
			return nil
		}
		if !transactionConflict(err) {
			break
		}
	}
	return fmt.Errorf("mark undeliverable: %w", mapWriteError(err))
}

// Undeliverable returns why mail to email (any case) cannot be delivered, or
// found=false when nothing says so.
func (s *Store) Undeliverable(ctx context.Context, email string) (reason string, found bool, err error) {
	var it suppressItem
	found, err = s.getItem(ctx, table.SuppressPK(email), table.SuppressSK, &it)
	if err != nil || !found {
		return "", false, err
	}
	return it.Reason, true, nil
}

// batchGetMax is DynamoDB's limit of keys in one BatchGetItem call.
const batchGetMax = 100

// UndeliverableSet tells which of emails cannot be delivered: the result
// holds true for each of them, as given, whose address (any case) is marked
// undeliverable, and nothing for the others. It reads 100 addresses per
// BatchGetItem call.
func (s *Store) UndeliverableSet(ctx context.Context, emails []string) (map[string]bool, error) {
	given := map[string][]string{} // lower-case address → the spellings asked for
	var addrs []string
	for _, e := range emails {
		a := strings.ToLower(e)
		if _, seen := given[a]; !seen {
			addrs = append(addrs, a)
		}
		given[a] = append(given[a], e)
	}
	proj, err := expression.NewBuilder().WithProjection(expression.NamesList(expression.Name("email"))).Build()
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for chunk := range slices.Chunk(addrs, batchGetMax) {
		keys := make([]map[string]types.AttributeValue, len(chunk))
		for i, a := range chunk {
			keys[i] = key(table.SuppressPK(a), table.SuppressSK)
		}
		items, err := s.batchGet(ctx, types.KeysAndAttributes{
			Keys: keys, ProjectionExpression: proj.Projection(), ExpressionAttributeNames: proj.Names(),
		})
		if err != nil {
			return nil, fmt.Errorf("undeliverable addresses: %w", err)
		}
		for _, it := range items {
			if v, ok := it["email"].(*types.AttributeValueMemberS); ok {
				for _, e := range given[v.Value] {
					out[e] = true
				}
			}
		}
	}
	return out, nil
}

// batchGetAttempts bounds the BatchGetItem calls of one batch: the first and
// those asking again for the keys DynamoDB left unprocessed.
const batchGetAttempts = 8

// batchGetBackoff is the wait before asking for unprocessed keys again; it
// doubles with every attempt.
const batchGetBackoff = 25 * time.Millisecond

// batchGet reads the items of one BatchGetItem request (at most 100 keys of
// the table), asking again, after a growing wait, for the keys DynamoDB
// left unprocessed. Absent items are simply not returned.
func (s *Store) batchGet(ctx context.Context, req types.KeysAndAttributes) ([]map[string]types.AttributeValue, error) {
	var items []map[string]types.AttributeValue
	pending := map[string]types.KeysAndAttributes{s.table: req}
	wait := batchGetBackoff
	for attempt := 1; ; attempt++ {
		res, err := s.api.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: pending})
		if err != nil {
			return nil, err
		}
		items = append(items, res.Responses[s.table]...)
		pending = res.UnprocessedKeys
		left := len(pending[s.table].Keys)
		if left == 0 {
			return items, nil
		}
		if attempt == batchGetAttempts {
			return nil, fmt.Errorf("%d keys still unprocessed after %d attempts", left, attempt)
		}
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		wait *= 2
	}
}
