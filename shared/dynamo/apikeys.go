package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/auth"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/table"
)

// apiKeyItem is how an API key record is stored; RevokeAPIKey sets
// revokedAt in place.
type apiKeyItem struct {
	PK        string        `dynamodbav:"PK"`
	SK        string        `dynamodbav:"SK"`
	Type      string        `dynamodbav:"type"`
	Hash      string        `dynamodbav:"hash"`
	Role      identity.Role `dynamodbav:"role"`
	Label     string        `dynamodbav:"label"`
	CreatedAt time.Time     `dynamodbav:"createdAt"`
	RevokedAt string        `dynamodbav:"revokedAt,omitempty"` // formatInstant
}

func newAPIKeyItem(k auth.APIKey) apiKeyItem {
	return apiKeyItem{
		PK: table.APIKeyPK(k.Hash), SK: table.APIKeySK, Type: table.TypeAPIKey,
		Hash: k.Hash, Role: k.Role, Label: k.Label, CreatedAt: k.CreatedAt, RevokedAt: formatInstant(k.RevokedAt),
	}
}

func (it apiKeyItem) apiKey() (auth.APIKey, error) {
	revoked, err := parseInstant("revokedAt", it.RevokedAt)
	if err != nil {
		return auth.APIKey{}, fmt.Errorf("api key %s: %w", it.PK, err)
	}
	return auth.APIKey{Hash: it.Hash, Role: it.Role, Label: it.Label, CreatedAt: it.CreatedAt, RevokedAt: revoked}, nil
}

// PutAPIKey stores a new API key record, addressed by the key's hash; it
// never overwrites an existing key.
func (s *Store) PutAPIKey(ctx context.Context, k auth.APIKey) error {
	if err := s.putOne(ctx, newAPIKeyItem(k), notExists()); err != nil {
		return fmt.Errorf("put api key: %w", err)
	}
	return nil
}

// APIKey returns the key record with the given hash, or found=false.
func (s *Store) APIKey(ctx context.Context, hash string) (k auth.APIKey, found bool, err error) {
	var it apiKeyItem
	found, err = s.getItem(ctx, table.APIKeyPK(hash), table.APIKeySK, &it)
	if err != nil || !found {
		return auth.APIKey{}, false, err
	}
	if k, err = it.apiKey(); err != nil {
		return auth.APIKey{}, false, err
	}
	return k, true, nil
}

// RevokeAPIKey marks the key with the given hash revoked at the given time;
// it returns a NotFound error when no such key exists.
func (s *Store) RevokeAPIKey(ctx context.Context, hash string, at time.Time) error {
	expr, err := expression.NewBuilder().
		WithUpdate(expression.Set(expression.Name("revokedAt"), expression.Value(formatInstant(at)))).
		WithCondition(expression.AttributeExists(expression.Name(table.PartitionKey))).
		Build()
	if err != nil {
		return err
	}
	_, err = s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key(table.APIKeyPK(hash), table.APIKeySK),
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	if err := mapWriteError(err); err != nil {
		if apperr.CodeOf(err) == apperr.Conflict {
			return apperr.New(apperr.NotFound, "no API key with that hash")
		}
		return fmt.Errorf("revoke api key: %w", err)
	}
	return nil
}
