package dynamo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/attributevalue"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/table"
)

// personAttrs are a person's roster attributes, as stored in the profile
// (at its top level) and in every revision (as the map "Person").
type personAttrs struct {
	EmployeeID     string                `dynamodbav:"employeeId"`
	Email          string                `dynamodbav:"email"`
	Name           string                `dynamodbav:"name"`
	Roles          []string              `dynamodbav:"roles"`
	ManagerID      string                `dynamodbav:"managerId"`
	Department     string                `dynamodbav:"department"`
	EmploymentType roster.EmploymentType `dynamodbav:"employmentType"`
	Vendor         string                `dynamodbav:"vendor"`
	Engagements    []string              `dynamodbav:"engagements"`
	StartDate      string                `dynamodbav:"startDate"`
	EndDate        string                `dynamodbav:"endDate"`
	TimeZone       string                `dynamodbav:"timeZone"`
}

func newPersonAttrs(p roster.Person) personAttrs {
	return personAttrs{
		EmployeeID: p.EmployeeID, Email: p.Email, Name: p.Name, Roles: p.Roles, ManagerID: p.ManagerID,
		Department: p.Department, EmploymentType: p.EmploymentType, Vendor: p.Vendor, Engagements: p.Engagements,
		StartDate: p.StartDate, EndDate: p.EndDate, TimeZone: p.TimeZone,
	}
}

func (a personAttrs) person() roster.Person {
	return roster.Person{
		EmployeeID: a.EmployeeID, Email: a.Email, Name: a.Name, Roles: a.Roles, ManagerID: a.ManagerID,
		Department: a.Department, EmploymentType: a.EmploymentType, Vendor: a.Vendor, Engagements: a.Engagements,
		StartDate: a.StartDate, EndDate: a.EndDate, TimeZone: a.TimeZone,
	}
}

// personItem is how a person's profile is stored.
type personItem struct {
	PK     string `dynamodbav:"PK"`
	SK     string `dynamodbav:"SK"`
	GSI1PK string `dynamodbav:"GSI1PK,omitempty"`
	GSI1SK string `dynamodbav:"GSI1SK,omitempty"`
	GSI2PK string `dynamodbav:"GSI2PK"`
	GSI2SK string `dynamodbav:"GSI2SK"`
	GSI3PK string `dynamodbav:"GSI3PK,omitempty"`
	GSI3SK string `dynamodbav:"GSI3SK,omitempty"`
	Type   string `dynamodbav:"type"`
	personAttrs
	Revision  int       `dynamodbav:"revision"`
	Version   int       `dynamodbav:"version"`
	UpdatedAt time.Time `dynamodbav:"updatedAt"`
	// CredentialsNotBefore is roster.Record.CredentialsNotBefore, absent
	// when zero; unlike formatInstant's it keeps fractions of a second, so
	// that what is created just before a revocation is refused.
	CredentialsNotBefore *time.Time `dynamodbav:"credentialsNotBefore,omitempty"`
}

func newPersonItem(p roster.Person, revision, version int, at time.Time) personItem {
	it := personItem{
		PK:          table.PersonPK(p.EmployeeID),
		SK:          table.ProfileSK,
		GSI2PK:      table.RosterPK,
		GSI2SK:      table.PersonGSISK(p.EmployeeID),
		Type:        table.TypePerson,
		personAttrs: newPersonAttrs(p),
		Revision:    revision,
		Version:     version,
		UpdatedAt:   at.UTC(),
	}
	if p.ManagerID != "" {
		it.GSI1PK, it.GSI1SK = table.ManagerPK(p.ManagerID), table.PersonGSISK(p.EmployeeID)
	}
	if p.EndDate != "" {
		if leave, err := time.Parse(roster.DateLayout, p.EndDate); err == nil {
			it.GSI3PK = table.WakePK(leave.AddDate(0, 0, 1).Format(roster.DateLayout))
			it.GSI3SK = table.WakeSKPerson(p.EmployeeID)
		}
	}
	return it
}

func (it personItem) record() roster.Record {
	rec := roster.Record{Person: it.person(), Revision: it.Revision, Version: it.Version, UpdatedAt: it.UpdatedAt}
	if it.CredentialsNotBefore != nil {
		rec.CredentialsNotBefore = *it.CredentialsNotBefore
	}
	return rec
}

// revisionItem is how one roster change of a person is stored. Its
// attribute names are capitalised, unlike those of every other item, because
// earlier releases stored them so.
type revisionItem struct {
	PK      string        `dynamodbav:"PK"`
	SK      string        `dynamodbav:"SK"`
	Type    string        `dynamodbav:"type"`
	Rev     int           `dynamodbav:"Rev"`
	At      time.Time     `dynamodbav:"At"`
	Actor   string        `dynamodbav:"Actor"`
	Action  string        `dynamodbav:"Action"`
	Changes []changeAttrs `dynamodbav:"Changes"`
	Person  personAttrs   `dynamodbav:"Person"`
}

// changeAttrs is how one field change is stored in a revision.
type changeAttrs struct {
	Field string `dynamodbav:"Field"`
	From  string `dynamodbav:"From"`
	To    string `dynamodbav:"To"`
}

func newRevisionItem(r roster.Revision) revisionItem {
	it := revisionItem{
		PK: table.PersonPK(r.Person.EmployeeID), SK: table.RevisionSK(r.Rev), Type: table.TypeRevision,
		Rev: r.Rev, At: r.At, Actor: r.Actor, Action: r.Action, Person: newPersonAttrs(r.Person),
	}
	if r.Changes != nil {
		it.Changes = make([]changeAttrs, len(r.Changes))
		for i, c := range r.Changes {
			it.Changes[i] = changeAttrs(c)
		}
	}
	return it
}

func (it revisionItem) revision() roster.Revision {
	r := roster.Revision{Rev: it.Rev, At: it.At, Actor: it.Actor, Action: it.Action, Person: it.Person.person()}
	if it.Changes != nil {
		r.Changes = make([]roster.FieldChange, len(it.Changes))
		for i, c := range it.Changes {
			r.Changes[i] = roster.FieldChange(c)
		}
	}
	return r
}

// emailItem claims an address for one person, so that no two people share it.
type emailItem struct {
	PK         string `dynamodbav:"PK"`
	SK         string `dynamodbav:"SK"`
	Type       string `dynamodbav:"type"`
	EmployeeID string `dynamodbav:"employeeId"`
}

// GetPerson returns the stored person, or found=false.
func (s *Store) GetPerson(ctx context.Context, employeeID string) (rec roster.Record, found bool, err error) {
	var it personItem
	found, err = s.getItem(ctx, table.PersonPK(employeeID), table.ProfileSK, &it)
	if err != nil || !found {
		return roster.Record{}, found, err
	}
	return it.record(), true, nil
}

// PersonByEmail returns the person who holds the address (case-insensitive),
// or found=false.
func (s *Store) PersonByEmail(ctx context.Context, email string) (rec roster.Record, found bool, err error) {
	var claim emailItem
	found, err = s.getItem(ctx, table.EmailPK(email), table.EmailSK, &claim)
	if err != nil || !found {
		return roster.Record{}, found, err
	}
	return s.GetPerson(ctx, claim.EmployeeID)
}

// ListPeople returns every stored person, active or not, through the roster
// index (a Query, paged).
func (s *Store) ListPeople(ctx context.Context) ([]roster.Record, error) {
	cond := expression.Key(table.GSI2PK).Equal(expression.Value(table.RosterPK))
	expr, err := expression.NewBuilder().WithKeyCondition(cond).Build()
	if err != nil {
		return nil, fmt.Errorf("list people: %w", err)
	}
	items, err := s.queryAll(ctx, &dynamodb.QueryInput{
		IndexName:                 aws.String(table.IndexGSI2),
		KeyConditionExpression:    expr.KeyCondition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	})
	if err != nil {
		return nil, fmt.Errorf("list people: %w", err)
	}
	out := make([]roster.Record, 0, len(items))
	for _, raw := range items {
		var it personItem
		if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
			return nil, fmt.Errorf("list people: decode: %w", err)
		}
		out = append(out, it.record())
	}
	return out, nil
}

// PersonHistory returns the roster revisions of a person, oldest first.
func (s *Store) PersonHistory(ctx context.Context, employeeID string) ([]roster.Revision, error) {
	out, err := queryItems(ctx, s, table.PersonPK(employeeID), table.RevisionPrefix, noError(revisionItem.revision))
	if err != nil {
		return nil, fmt.Errorf("history of %s: %w", employeeID, err)
	}
	return out, nil
}

// queryPrefix queries one partition for sort keys beginning with prefix (all
// of it when prefix is empty) and hands every item to fn, in sort-key order.
func (s *Store) queryPrefix(ctx context.Context, pk, prefix string, fn func(map[string]types.AttributeValue) error) error {
	cond := expression.Key(table.PartitionKey).Equal(expression.Value(pk))
	if prefix != "" {
		cond = cond.And(expression.Key(table.SortKey).BeginsWith(prefix))
	}
	items, err := s.queryKeys(ctx, cond)
	if err != nil {
		return err
	}
	for _, it := range items {
		if err := fn(it); err != nil {
			return err
		}
	}
	return nil
}

// ApplyRoster writes a planned import. Each created, updated or deactivated
// person is written in one transaction with its revision, its email claims and
// its audit event; transactions hold up to 100 items. Every write is
// conditional: creations on absence, changes on the version that was read, so
// a retried import never duplicates anything and a concurrent change is
// refused with a Conflict error instead of being overwritten.
func (s *Store) ApplyRoster(ctx context.Context, w roster.Commit) error {
	lines, err := roster.PlanLines(w, nil)
	if err != nil {
		return fmt.Errorf("apply roster: %w", err)
	}
	lw := roster.LineWrite{Batch: audit.NewBatchID(), At: w.At, Actor: w.Actor, Source: w.Source}
	err = s.writeGroups(ctx, len(lines), func(i int) ([]types.TransactWriteItem, error) {
		return s.personWrites(lw, lines[i])
	})
	if err != nil {
		return fmt.Errorf("apply roster: %w", err)
	}
	return nil
}

// ApplyRosterLines writes the plan lines of a large import, chunkGroups
// people at a time, each in one transaction with its revision, email
// claims and its audit event audit.BatchEventID(w.Batch, line.N) at w.At.
// A line whose condition fails (its person changed since validation, or
// its event exists) ends the write with a *roster.LineConflict naming it.
func (s *Store) ApplyRosterLines(ctx context.Context, lines []roster.PlanLine, w roster.LineWrite) error {
	for chunk := range slices.Chunk(lines, chunkGroups) {
		groups := make([][]types.TransactWriteItem, len(chunk))
		for i, l := range chunk {
			g, err := s.personWrites(w, l)
			if err != nil {
				return fmt.Errorf("apply roster lines: %w", err)
			}
			groups[i] = g
		}
		err := s.transactGroups(ctx, groups, func(g int) error { return &roster.LineConflict{Line: chunk[g]} })
		if err != nil {
			return err
		}
	}
	return nil
}

// personWrites returns the transactional writes of one plan line: the
// profile (created if absent, else replaced at the planned version), the
// revision, the audit event and the email claims. A revoking change sets
// the profile's credentialsNotBefore to the write's time; otherwise the
// stored one is kept.
func (s *Store) personWrites(w roster.LineWrite, l roster.PlanLine) ([]types.TransactWriteItem, error) {
	after, changes := l.After, l.Changes
	rev, version, cond := 1, 1, notExists()
	notBefore := l.CredentialsNotBefore
	if !l.Created() {
		rev, version, cond = l.Revision+1, l.Version+1, versionIs(l.Version)
	}
	if l.Revokes {
		notBefore = w.At.UTC()
	}
	item := newPersonItem(after, rev, version, w.At)
	if !notBefore.IsZero() {
		item.CredentialsNotBefore = &notBefore
	}
	profile, err := put(s.table, item, cond)
	if err != nil {
		return nil, err
	}
	revision, err := put(s.table, newRevisionItem(roster.Revision{
		Rev: rev, At: w.At.UTC(), Actor: w.Actor, Action: l.Action, Changes: changes, Person: after,
	}), notExists())
	if err != nil {
		return nil, err
	}
	event, err := s.auditPut(audit.Event{
		ID: audit.BatchEventID(w.Batch, l.N), At: w.At, Actor: w.Actor, Action: l.Action, Source: w.Source,
		Subject: identity.PersonRef(after.EmployeeID),
		Details: map[string]any{"revision": rev, "changes": changes},
	})
	if err != nil {
		return nil, err
	}
	writes := []types.TransactWriteItem{profile, revision, event}

	owner := expression.Name("employeeId")
	for _, op := range l.Emails {
		if op.Claim {
			ok := expression.AttributeNotExists(expression.Name(table.PartitionKey)).
				Or(owner.Equal(expression.Value(after.EmployeeID)))
			if op.PrevOwner != "" {
				ok = ok.Or(owner.Equal(expression.Value(op.PrevOwner)))
			}
			claim, err := put(s.table, emailItem{PK: table.EmailPK(op.Email), SK: table.EmailSK, Type: table.TypeEmail, EmployeeID: after.EmployeeID}, ok)
			if err != nil {
				return nil, err
			}
			writes = append(writes, claim)
			continue
		}
		expr, err := expression.NewBuilder().WithCondition(owner.Equal(expression.Value(after.EmployeeID))).Build()
		if err != nil {
			return nil, err
		}
		writes = append(writes, types.TransactWriteItem{Delete: &types.Delete{
			TableName:                 aws.String(s.table),
			Key:                       key(table.EmailPK(op.Email), table.EmailSK),
			ConditionExpression:       expr.Condition(),
			ExpressionAttributeNames:  expr.Names(),
			ExpressionAttributeValues: expr.Values(),
		}})
	}
	return writes, nil
}

// PeopleByID reads the given people, 100 per BatchGetItem call, and returns
// those stored, by employee id.
func (s *Store) PeopleByID(ctx context.Context, ids []string) (map[string]roster.Person, error) {
	out := make(map[string]roster.Person, len(ids))
	err := batchGetEach(ctx, s, "people", ids, func(id string) map[string]types.AttributeValue {
		return key(table.PersonPK(id), table.ProfileSK)
	}, func(it personItem) { out[it.EmployeeID] = it.person() })
	return out, err
}

// batchGetEach reads the item keyOf(id) of each distinct id, strongly
// consistent, batchGetMax keys per BatchGetItem call, and hands each one
// stored, decoded as T, to fn; what names the items in errors.
func batchGetEach[T any](ctx context.Context, s *Store, what string, ids []string, keyOf func(string) map[string]types.AttributeValue, fn func(T)) error {
	for chunk := range slices.Chunk(slices.Compact(slices.Sorted(slices.Values(ids))), batchGetMax) {
		keys := make([]map[string]types.AttributeValue, len(chunk))
		for i, id := range chunk {
			keys[i] = keyOf(id)
		}
		items, err := s.batchGet(ctx, types.KeysAndAttributes{Keys: keys, ConsistentRead: aws.Bool(true)})
		if err != nil {
			return fmt.Errorf("read %s: %w", what, err)
		}
		for _, raw := range items {
			var it T
			if err := attributevalue.UnmarshalMap(raw, &it); err != nil {
				return fmt.Errorf("read %s: decode: %w", what, err)
			}
			fn(it)
		}
	}
	return nil
}
