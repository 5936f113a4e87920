package dynamo

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/auth"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/table"
)

// tokenItem is how a sign-in token is stored: its expiry is the item's TTL,
// and ConsumeSignInToken sets usedAt in place.
type tokenItem struct {
	PK         string        `dynamodbav:"PK"`
	SK         string        `dynamodbav:"SK"`
	Type       string        `dynamodbav:"type"`
	ExpiresAt  int64         `dynamodbav:"expiresAt"`
	Hash       string        `dynamodbav:"hash"`
	EmployeeID string        `dynamodbav:"employeeId"`
	Kind       auth.LinkKind `dynamodbav:"kind"`
	CreatedAt  time.Time     `dynamodbav:"createdAt"`
	UsedAt     string        `dynamodbav:"usedAt,omitempty"` // formatInstant
}

func newTokenItem(t auth.SignInToken) tokenItem {
	return tokenItem{
		PK: table.TokenPK(t.Hash), SK: table.TokenSK, Type: table.TypeToken, ExpiresAt: t.ExpiresAt.Unix(),
		Hash: t.Hash, EmployeeID: t.EmployeeID, Kind: t.Kind, CreatedAt: t.CreatedAt,
	}
}

func (it tokenItem) token() auth.SignInToken {
	return auth.SignInToken{
		Hash: it.Hash, EmployeeID: it.EmployeeID, Kind: it.Kind, CreatedAt: it.CreatedAt,
		ExpiresAt: time.Unix(it.ExpiresAt, 0).UTC(),
	}
}

// sessionItem is how a session is stored: its expiry is the item's TTL,
// which TouchSession moves along with lastSeen.
type sessionItem struct {
	PK         string    `dynamodbav:"PK"`
	SK         string    `dynamodbav:"SK"`
	Type       string    `dynamodbav:"type"`
	ExpiresAt  int64     `dynamodbav:"expiresAt"`
	Hash       string    `dynamodbav:"hash"`
	EmployeeID string    `dynamodbav:"employeeId"`
	CSRFToken  string    `dynamodbav:"csrfToken"`
	CreatedAt  time.Time `dynamodbav:"createdAt"`
	LastSeen   time.Time `dynamodbav:"lastSeen"`
}

func newSessionItem(s auth.Session) sessionItem {
	return sessionItem{
		PK: table.SessionPK(s.Hash), SK: table.SessionSK, Type: table.TypeSession, ExpiresAt: s.ExpiresAt().Unix(),
		Hash: s.Hash, EmployeeID: s.EmployeeID, CSRFToken: s.CSRFToken, CreatedAt: s.CreatedAt, LastSeen: s.LastSeen,
	}
}

func (it sessionItem) session() auth.Session {
	return auth.Session{Hash: it.Hash, EmployeeID: it.EmployeeID, CSRFToken: it.CSRFToken, CreatedAt: it.CreatedAt, LastSeen: it.LastSeen}
}

// PutSignInToken stores a new sign-in token, which expires at
// rec.ExpiresAt, with the audit event of its issue.
func (s *Store) PutSignInToken(ctx context.Context, rec auth.SignInToken, event audit.Event) error {
	tok, err := put(s.table, newTokenItem(rec), notExists())
	if err != nil {
		return err
	}
	ev, err := s.auditPut(event)
	if err != nil {
		return err
	}
	_, err = s.api.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{tok, ev}})
	if err := mapWriteError(err); err != nil {
		return fmt.Errorf("put sign-in token: %w", err)
	}
	return nil
}

// SignInToken returns the unexpired, unused token with the given hash, or
// found=false. Reading it changes nothing.
func (s *Store) SignInToken(ctx context.Context, hash string) (rec auth.SignInToken, found bool, err error) {
	var it tokenItem
	found, err = s.getItem(ctx, table.TokenPK(hash), table.TokenSK, &it)
	if err != nil || !found || it.UsedAt != "" {
		return auth.SignInToken{}, false, err
	}
	return it.token(), true, nil
}

// ConsumeSignInToken marks the token used and creates the session, with its
// audit event, in one transaction. The token must exist, be unexpired, unused
// and belong to sess.EmployeeID; otherwise nothing is written and a NotFound
// error says the link is no longer valid. Two concurrent consumptions of one
// token cannot both succeed.
func (s *Store) ConsumeSignInToken(ctx context.Context, tokenHash string, sess auth.Session, event audit.Event) error {
	now := s.now()
	cond := expression.AttributeExists(expression.Name(table.PartitionKey)).
		And(expression.AttributeNotExists(expression.Name("usedAt"))).
		And(expression.Name(table.TTLAttribute).GreaterThan(expression.Value(now.Unix()))).
		And(expression.Name("employeeId").Equal(expression.Value(sess.EmployeeID)))
	expr, err := expression.NewBuilder().
		WithUpdate(expression.Set(expression.Name("usedAt"), expression.Value(formatInstant(now)))).
		WithCondition(cond).Build()
	if err != nil {
		return err
	}
	use := types.TransactWriteItem{Update: &types.Update{
		TableName:                 aws.String(s.table),
		Key:                       key(table.TokenPK(tokenHash), table.TokenSK),
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	}}
	session, err := put(s.table, newSessionItem(sess), notExists())
	if err != nil {
		return err
	}
	ev, err := s.auditPut(event)
	if err != nil {
		return err
	}
	_, err = s.api.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{use, session, ev}})
	if err := mapWriteError(err); err != nil {
		if apperr.CodeOf(err) == apperr.Conflict {
			return apperr.New(apperr.NotFound, "this sign-in link has expired or was already used; ask for a new one")
		}
		return fmt.Errorf("consume sign-in token: %w", err)
	}
	return nil
}

// Session returns the valid session with the given id hash, or found=false
// (absent, idle too long, or past its absolute lifetime).
func (s *Store) Session(ctx context.Context, hash string) (sess auth.Session, found bool, err error) {
	var it sessionItem
	found, err = s.getItem(ctx, table.SessionPK(hash), table.SessionSK, &it)
	if err != nil || !found {
		return auth.Session{}, false, err
	}
	if sess = it.session(); !sess.Valid(s.now()) {
		return auth.Session{}, false, nil
	}
	return sess, true, nil
}

// SessionAndPerson reads, in one BatchGetItem call, what Session and
// GetPerson read: the valid session with the given id hash and the stored
// person, each with its found flag. Both reads are strongly consistent.
func (s *Store) SessionAndPerson(ctx context.Context, hash, employeeID string) (sess auth.Session, sessFound bool, rec roster.Record, personFound bool, err error) {
	sessPK, personPK := table.SessionPK(hash), table.PersonPK(employeeID)
	items, err := s.batchGet(ctx, types.KeysAndAttributes{
		Keys:           []map[string]types.AttributeValue{key(sessPK, table.SessionSK), key(personPK, table.ProfileSK)},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return auth.Session{}, false, roster.Record{}, false, fmt.Errorf("session and person %s: %w", employeeID, err)
	}
	for _, item := range items {
		if s.expired(item) {
			continue
		}
		pk, _ := item[table.PartitionKey].(*types.AttributeValueMemberS)
		switch {
		case pk == nil:
		case pk.Value == sessPK:
			var it sessionItem
			if err := attributevalue.UnmarshalMap(item, &it); err != nil {
				return auth.Session{}, false, roster.Record{}, false, fmt.Errorf("decode session: %w", err)
			}
			sess, sessFound = it.session(), true
		case pk.Value == personPK:
			var it personItem
			if err := attributevalue.UnmarshalMap(item, &it); err != nil {
				return auth.Session{}, false, roster.Record{}, false, fmt.Errorf("decode person %s: %w", employeeID, err)
			}
			rec, personFound = it.record(), true
		}
	}
	if sessFound && !sess.Valid(s.now()) {
		sess, sessFound = auth.Session{}, false
	}
	return sess, sessFound, rec, personFound, nil
}

// TouchSession records that the session was used now, extending its idle
// lifetime (never past its absolute one).
func (s *Store) TouchSession(ctx context.Context, sess auth.Session) error {
	sess.LastSeen = s.now().UTC()
	expr, err := expression.NewBuilder().
		WithUpdate(expression.Set(expression.Name("lastSeen"), expression.Value(sess.LastSeen)).
			Set(expression.Name(table.TTLAttribute), expression.Value(sess.ExpiresAt().Unix()))).
		WithCondition(expression.AttributeExists(expression.Name(table.PartitionKey))).
		Build()
	if err != nil {
		return err
	}
	_, err = s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key(table.SessionPK(sess.Hash), table.SessionSK),
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	if err := mapWriteError(err); err != nil && apperr.CodeOf(err) != apperr.Conflict {
		return fmt.Errorf("touch session: %w", err)
	}
	return nil
}

// DeleteSession ends a session (sign-out), with its audit event.
func (s *Store) DeleteSession(ctx context.Context, hash string, event audit.Event) error {
	ev, err := s.auditPut(event)
	if err != nil {
		return err
	}
	del := types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(s.table), Key: key(table.SessionPK(hash), table.SessionSK)}}
	_, err = s.api.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{del, ev}})
	if err := mapWriteError(err); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}

// CountRequest adds one to the counter of scope and key for the fixed window
// that contains now, and returns the count including this request. Counters
// expire with their window; they live in the table, not in memory, because
// Lambda instances share nothing.
func (s *Store) CountRequest(ctx context.Context, scope, counterKey string, window time.Duration) (int, error) {
	now := s.now().UTC()
	start := now.Truncate(window)
	expr, err := expression.NewBuilder().
		WithUpdate(expression.Add(expression.Name("count"), expression.Value(1)).
			Set(expression.Name(table.TTLAttribute), expression.Value(start.Add(window).Unix()))).
		Build()
	if err != nil {
		return 0, err
	}
	out, err := s.api.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName:                 aws.String(s.table),
		Key:                       key(table.RatePK(scope, counterKey), start.Format(time.RFC3339)),
		UpdateExpression:          expr.Update(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
		ReturnValues:              types.ReturnValueUpdatedNew,
	})
	if err != nil {
		return 0, fmt.Errorf("count %s request: %w", scope, err)
	}
	n, ok := out.Attributes["count"].(*types.AttributeValueMemberN)
	if !ok {
		return 0, fmt.Errorf("count %s request: no count returned", scope)
	}
	return strconv.Atoi(n.Value)
}
