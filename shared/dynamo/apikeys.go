package dynamo

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/auth"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/table"
)

// apiKeyItem is how an API key record is stored, twice: the lookup item
// (APIKEY#<hash>, read on every request with a key) and the listing item
// (APIKEYS / <id>, read to list and to revoke by id). RevokeAPIKey sets
// revokedAt on both in place.
type apiKeyItem struct {
	PK        string        `dynamodbav:"PK"`
	SK        string        `dynamodbav:"SK"`
	Type      string        `dynamodbav:"type"`
	ID        string        `dynamodbav:"id,omitempty"` // absent on keys made before ids
	Hash      string        `dynamodbav:"hash"`
	Role      identity.Role `dynamodbav:"role"`
	Label     string        `dynamodbav:"label"`
	CreatedAt time.Time     `dynamodbav:"createdAt"`
	CreatedBy string        `dynamodbav:"createdBy,omitempty"`
	ExpiresOn string        `dynamodbav:"expiresOn,omitempty"` // YYYY-MM-DD, last day it works
	Agreement string        `dynamodbav:"agreement,omitempty"`
	RevokedAt string        `dynamodbav:"revokedAt,omitempty"` // formatInstant
}

func newAPIKeyItem(k auth.APIKey) apiKeyItem {
	return apiKeyItem{
		PK: table.APIKeyPK(k.Hash), SK: table.APIKeySK, Type: table.TypeAPIKey,
		ID: k.ID, Hash: k.Hash, Role: k.Role, Label: k.Label, CreatedAt: k.CreatedAt, CreatedBy: k.CreatedBy,
		ExpiresOn: k.ExpiresOn, Agreement: k.Agreement, RevokedAt: formatInstant(k.RevokedAt),
	}
}

func newAPIKeyListItem(k auth.APIKey) apiKeyItem {
	it := newAPIKeyItem(k)
	it.PK, it.SK, it.Type = table.APIKeysPK, table.APIKeyListSK(k.ID), table.TypeAPIKeyListing
	return it
}

func (it apiKeyItem) apiKey() (auth.APIKey, error) {
	revoked, err := parseInstant("revokedAt", it.RevokedAt)
	if err != nil {
		return auth.APIKey{}, fmt.Errorf("api key %s/%s: %w", it.PK, it.SK, err)
	}
	return auth.APIKey{
		ID: it.ID, Hash: it.Hash, Role: it.Role, Label: it.Label, CreatedAt: it.CreatedAt, CreatedBy: it.CreatedBy,
		ExpiresOn: it.ExpiresOn, Agreement: it.Agreement, RevokedAt: revoked,
	}, nil
}

// CreateAPIKey stores a new API key: its lookup item (by hash), its listing
// item (by id) and the audit event, in one transaction. It never overwrites
// a key: a hash or id already stored is a Conflict.
func (s *Store) CreateAPIKey(ctx context.Context, k auth.APIKey, event audit.Event) error {
	writes, err := createAll(s.table, newAPIKeyItem(k), newAPIKeyListItem(k))
	if err != nil {
		return err
	}
	if err := s.writeAudited(ctx, writes, event); err != nil {
		return fmt.Errorf("create api key: %w", err)
	}
	return nil
}

// APIKey returns the key record with the given hash, or found=false.
func (s *Store) APIKey(ctx context.Context, hash string) (k auth.APIKey, found bool, err error) {
	return s.apiKey(ctx, table.APIKeyPK(hash), table.APIKeySK)
}

// APIKeyByID returns the key record with the given id, or found=false.
func (s *Store) APIKeyByID(ctx context.Context, id string) (k auth.APIKey, found bool, err error) {
	return s.apiKey(ctx, table.APIKeysPK, table.APIKeyListSK(id))
}

func (s *Store) apiKey(ctx context.Context, pk, sk string) (auth.APIKey, bool, error) {
	var it apiKeyItem
	found, err := s.getItem(ctx, pk, sk, &it)
	if err != nil || !found {
		return auth.APIKey{}, false, err
	}
	k, err := it.apiKey()
	if err != nil {
		return auth.APIKey{}, false, err
	}
	return k, true, nil
}

// APIKeys returns every listed API key, oldest first.
func (s *Store) APIKeys(ctx context.Context) ([]auth.APIKey, error) {
	out, err := queryItems(ctx, s, table.APIKeysPK, "", apiKeyItem.apiKey)
	if err != nil {
		return nil, fmt.Errorf("api keys: %w", err)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out, nil
}

// RevokeAPIKey marks the key revoked at the given time, on its lookup and
// its listing item, with the audit event, in one transaction. Either item
// absent or already revoked makes it a Conflict and writes nothing.
func (s *Store) RevokeAPIKey(ctx context.Context, k auth.APIKey, at time.Time, event audit.Event) error {
	expr, err := expression.NewBuilder().
		WithUpdate(expression.Set(expression.Name("revokedAt"), expression.Value(formatInstant(at)))).
		WithCondition(expression.AttributeExists(expression.Name(table.PartitionKey)).
			And(expression.AttributeNotExists(expression.Name("revokedAt")))).
		Build()
	if err != nil {
		return err
	}
	var writes []types.TransactWriteItem
	for _, k := range []map[string]types.AttributeValue{key(table.APIKeyPK(k.Hash), table.APIKeySK), key(table.APIKeysPK, table.APIKeyListSK(k.ID))} {
		writes = append(writes, types.TransactWriteItem{Update: &types.Update{
			TableName:                 aws.String(s.table),
			Key:                       k,
			UpdateExpression:          expr.Update(),
			ConditionExpression:       expr.Condition(),
			ExpressionAttributeNames:  expr.Names(),
			ExpressionAttributeValues: expr.Values(),
		}})
	}
	if err := s.writeAudited(ctx, writes, event); err != nil {
		return fmt.Errorf("revoke api key: %w", err)
	}
	return nil
}

// PutAuditEvent writes an audit event that goes with no other write (a
// read of someone's record); its key never exists before.
func (s *Store) PutAuditEvent(ctx context.Context, event audit.Event) error {
	if err := s.putOne(ctx, newAuditItem(event), notExists()); err != nil {
		return fmt.Errorf("put audit event: %w", err)
	}
	return nil
}
