package dynamo

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/table"
)

// managerQuery is the Query of a manager's partition of the reports index
// (GSI1), without a table name.
func managerQuery(managerID string) (*dynamodb.QueryInput, error) {
	cond := expression.Key(table.GSI1PK).Equal(expression.Value(table.ManagerPK(managerID)))
	expr, err := expression.NewBuilder().WithKeyCondition(cond).Build()
	if err != nil {
		return nil, err
	}
	return &dynamodb.QueryInput{
		IndexName:                 aws.String(table.IndexGSI1),
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	}, nil
}

// Reports returns the people whose manager is managerID, active or not,
// through the reports index (GSI1, which projects the whole profile: one
// item read per report, paged). The index is updated with the profile, so a
// re-org shows as soon as its upload is written (in AWS after the index's
// propagation, usually well under a second).
func (s *Store) Reports(ctx context.Context, managerID string) ([]roster.Record, error) {
	in, err := managerQuery(managerID)
	if err != nil {
		return nil, fmt.Errorf("reports of %s: %w", managerID, err)
	}
	items, err := s.queryAll(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("reports of %s: %w", managerID, err)
	}
	out := make([]roster.Record, 0, len(items))
	for _, raw := range items {
		var it personItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return nil, fmt.Errorf("reports of %s: decode: %w", managerID, err)
		}
		out = append(out, it.record())
	}
	return out, nil
}

// HasReports reports whether anybody names managerID as their manager: one
// Query of the reports index with Limit 1, reading at most one item.
func (s *Store) HasReports(ctx context.Context, managerID string) (bool, error) {
	in, err := managerQuery(managerID)
	if err != nil {
		return false, fmt.Errorf("reports of %s: %w", managerID, err)
	}
	in.TableName, in.Limit = aws.String(s.table), aws.Int32(1)
	in.ProjectionExpression = aws.String(table.GSI1SK)
	out, err := s.api.Query(ctx, in)
	if err != nil {
		return false, fmt.Errorf("reports of %s: %w", managerID, err)
	}
	return len(out.Items) > 0, nil
}
