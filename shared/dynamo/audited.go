package dynamo

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/attest-oss/attest/shared/audit"
)

// putAudited writes item under cond and its audit event in one transaction;
// a failed condition is a Conflict error.
func (s *Store) putAudited(ctx context.Context, item any, cond expression.ConditionBuilder, event audit.Event) error {
	w, err := put(s.table, item, cond)
	if err != nil {
		return err
	}
	return s.writeAudited(ctx, []types.TransactWriteItem{w}, event)
}

// writeAudited makes writes and the audit event's put in one transaction; a
// failed condition is a Conflict error and nothing is written.
func (s *Store) writeAudited(ctx context.Context, writes []types.TransactWriteItem, event audit.Event) error {
	ev, err := s.auditPut(event)
	if err != nil {
		return err
	}
	_, err = s.api.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: append(writes, ev)})
	return mapWriteError(err)
}

// replacing is the condition of a write over the item's version v as read:
// absent when v is 0 (never stored), else still at version v.
func replacing(v int) expression.ConditionBuilder {
	if v == 0 {
		return notExists()
	}
	return versionIs(v)
}
