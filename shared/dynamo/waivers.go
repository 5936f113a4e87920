package dynamo

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/feature/dynamodb/expression"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/table"
	"github.com/attest-oss/attest/shared/waiver"
)

// waiverItem is how a waiver is stored, twice: in its person's partition
// (PERSON#<id> / WAIVER#<id>, which a module waiver puts on the wake index
// for the day after it expires) and in the listing (WAIVERS / <id>).
// RevokeWaiver sets revokedAt and revokedBy on both in place.
type waiverItem struct {
	PK         string    `dynamodbav:"PK"`
	SK         string    `dynamodbav:"SK"`
	Type       string    `dynamodbav:"type"`
	GSI3PK     string    `dynamodbav:"GSI3PK,omitempty"`
	GSI3SK     string    `dynamodbav:"GSI3SK,omitempty"`
	ID         string    `dynamodbav:"id"`
	EmployeeID string    `dynamodbav:"employeeId"`
	Item       string    `dynamodbav:"item"`
	Reason     string    `dynamodbav:"reason"`
	Approver   string    `dynamodbav:"approver"`
	ExpiresOn  string    `dynamodbav:"expiresOn"` // YYYY-MM-DD, UTC, last day it holds
	GrantedBy  string    `dynamodbav:"grantedBy"`
	GrantedAt  time.Time `dynamodbav:"grantedAt"`
	RevokedAt  string    `dynamodbav:"revokedAt,omitempty"` // formatInstant
	RevokedBy  string    `dynamodbav:"revokedBy,omitempty"`
}

func newWaiverItem(w waiver.Waiver) waiverItem {
	it := waiverItem{
		PK: table.PersonPK(w.EmployeeID), SK: table.WaiverSK(w.ID), Type: table.TypeWaiver,
		ID: w.ID, EmployeeID: w.EmployeeID, Item: w.Item, Reason: w.Reason, Approver: w.Approver, ExpiresOn: w.ExpiresOn,
		GrantedBy: w.GrantedBy, GrantedAt: w.GrantedAt, RevokedAt: formatInstant(w.RevokedAt), RevokedBy: w.RevokedBy,
	}
	if w.ModuleID() != "" && !w.Revoked() {
		it.GSI3PK, it.GSI3SK = table.WakePK(w.WakeOn()), table.WakeSKWaiver(w.EmployeeID, w.ID)
	}
	return it
}

func newWaiverListItem(w waiver.Waiver) waiverItem {
	it := newWaiverItem(w)
	it.PK, it.SK, it.Type, it.GSI3PK, it.GSI3SK = table.WaiversPK, table.WaiverListSK(w.ID), table.TypeWaiverListing, "", ""
	return it
}

func (it waiverItem) waiver() (waiver.Waiver, error) {
	revoked, err := parseInstant("revokedAt", it.RevokedAt)
	if err != nil {
		return waiver.Waiver{}, fmt.Errorf("waiver %s/%s: %w", it.PK, it.SK, err)
	}
	return waiver.Waiver{
		ID: it.ID, EmployeeID: it.EmployeeID, Item: it.Item, Reason: it.Reason, Approver: it.Approver, ExpiresOn: it.ExpiresOn,
		GrantedBy: it.GrantedBy, GrantedAt: it.GrantedAt, RevokedAt: revoked, RevokedBy: it.RevokedBy,
	}, nil
}

// waiverClaimItem is a person's claim on one item for the waiver that holds
// it (PERSON#<id> / WAIVED#<item>): a grant replaces it only when it is
// expired or revoked, so two waivers of one item never hold at once.
type waiverClaimItem struct {
	PK        string `dynamodbav:"PK"`
	SK        string `dynamodbav:"SK"`
	Type      string `dynamodbav:"type"`
	WaiverID  string `dynamodbav:"waiverId"`
	ExpiresOn string `dynamodbav:"expiresOn"`
	RevokedAt string `dynamodbav:"revokedAt,omitempty"`
}

// Waivers returns every waiver of a person, oldest first.
func (s *Store) Waivers(ctx context.Context, employeeID string) ([]waiver.Waiver, error) {
	out, err := queryItems(ctx, s, table.PersonPK(employeeID), table.WaiverPrefix, waiverItem.waiver)
	if err != nil {
		return nil, fmt.Errorf("waivers of %s: %w", employeeID, err)
	}
	sortWaivers(out)
	return out, nil
}

// Exemptions returns a person's module waivers as the assignment engine
// sees them (assign.Store).
func (s *Store) Exemptions(ctx context.Context, employeeID string) ([]assign.Exemption, error) {
	ws, err := s.Waivers(ctx, employeeID)
	if err != nil {
		return nil, err
	}
	return waiver.Exemptions(ws), nil
}

// AllWaivers returns every waiver in the listing, oldest first.
func (s *Store) AllWaivers(ctx context.Context) ([]waiver.Waiver, error) {
	out, err := queryItems(ctx, s, table.WaiversPK, "", waiverItem.waiver)
	if err != nil {
		return nil, fmt.Errorf("waivers: %w", err)
	}
	sortWaivers(out)
	return out, nil
}

func sortWaivers(ws []waiver.Waiver) {
	sort.SliceStable(ws, func(i, j int) bool { return ws[i].GrantedAt.Before(ws[j].GrantedAt) })
}

// WaiverByID returns the waiver with the given id, or found=false.
func (s *Store) WaiverByID(ctx context.Context, id string) (waiver.Waiver, bool, error) {
	var it waiverItem
	found, err := s.getItem(ctx, table.WaiversPK, table.WaiverListSK(id), &it)
	if err != nil || !found {
		return waiver.Waiver{}, false, err
	}
	w, err := it.waiver()
	if err != nil {
		return waiver.Waiver{}, false, err
	}
	return w, true, nil
}

// GrantWaiver stores a new waiver (person item, listing item, claim on the
// item), the change to the waived assignment if any, and the audit event,
// in one transaction. The claim is written only if absent, expired before
// the grant's UTC day or revoked; a failed condition (a waiver of the item
// holds, the assignment changed) is a Conflict and writes nothing.
func (s *Store) GrantWaiver(ctx context.Context, w waiver.Waiver, change *assign.Waiving, event audit.Event) error {
	writes, err := createAll(s.table, newWaiverItem(w), newWaiverListItem(w))
	if err != nil {
		return err
	}
	claim := waiverClaimItem{PK: table.PersonPK(w.EmployeeID), SK: table.WaiverClaimSK(w.Item), Type: table.TypeWaiverClaim,
		WaiverID: w.ID, ExpiresOn: w.ExpiresOn}
	free := notExists().
		Or(expression.Name("expiresOn").LessThan(expression.Value(waiver.Day(w.GrantedAt)))).
		Or(expression.AttributeExists(expression.Name("revokedAt")))
	p, err := put(s.table, claim, free)
	if err != nil {
		return err
	}
	writes = append(writes, p)
	if change != nil {
		u, err := s.waiveWrite(w.EmployeeID, *change)
		if err != nil {
			return err
		}
		writes = append(writes, u)
	}
	if err := s.writeAudited(ctx, writes, event); err != nil {
		return fmt.Errorf("grant waiver: %w", err)
	}
	return nil
}

// RevokeWaiver marks the waiver revoked on its person and listing items
// (taking it off the wake index), releases its claim on the item when it
// still held, reopens the waived assignment if any, and writes the audit
// event, in one transaction. A waiver already revoked, or an assignment
// changed since it was read, is a Conflict and writes nothing.
func (s *Store) RevokeWaiver(ctx context.Context, w waiver.Waiver, holding bool, reopen *assign.Reopening, event audit.Event) error {
	// A builder is not a value: each update gets its own.
	revoked := func() expression.UpdateBuilder {
		return expression.Set(expression.Name("revokedAt"), expression.Value(formatInstant(w.RevokedAt))).
			Set(expression.Name("revokedBy"), expression.Value(w.RevokedBy))
	}
	cond := expression.AttributeExists(expression.Name(table.PartitionKey)).
		And(expression.AttributeNotExists(expression.Name("revokedAt")))
	var writes []types.TransactWriteItem
	for _, k := range []struct {
		pk, sk string
		upd    expression.UpdateBuilder
	}{
		{table.PersonPK(w.EmployeeID), table.WaiverSK(w.ID), revoked().Remove(expression.Name(table.GSI3PK)).Remove(expression.Name(table.GSI3SK))},
		{table.WaiversPK, table.WaiverListSK(w.ID), revoked()},
	} {
		u, err := update(s.table, key(k.pk, k.sk), k.upd, cond)
		if err != nil {
			return err
		}
		writes = append(writes, u)
	}
	if holding {
		u, err := update(s.table, key(table.PersonPK(w.EmployeeID), table.WaiverClaimSK(w.Item)),
			expression.Set(expression.Name("revokedAt"), expression.Value(formatInstant(w.RevokedAt))),
			expression.Name("waiverId").Equal(expression.Value(w.ID)))
		if err != nil {
			return err
		}
		writes = append(writes, u)
	}
	if reopen != nil {
		u, err := s.reopenWrite(w.EmployeeID, *reopen)
		if err != nil {
			return err
		}
		writes = append(writes, u)
	}
	if err := s.writeAudited(ctx, writes, event); err != nil {
		return fmt.Errorf("revoke waiver: %w", err)
	}
	return nil
}

// waiveWrite puts an open (or otherwise waived) assignment under a waiver:
// status waived, the waiver's id, off the due index; only at the version
// read.
func (s *Store) waiveWrite(employeeID string, c assign.Waiving) (types.TransactWriteItem, error) {
	upd := expression.Set(expression.Name("status"), expression.Value(assign.StatusWaived)).
		Set(expression.Name("waiverId"), expression.Value(c.WaiverID)).
		Set(expression.Name("waivedThrough"), expression.Value(c.Through)).
		Set(expression.Name(table.VersionAttribute), expression.Value(c.Version+1)).
		Remove(expression.Name(table.GSI4PK)).Remove(expression.Name(table.GSI4SK))
	cond := versionIs(c.Version).And(expression.Name("status").In(expression.Value(assign.StatusOpen), expression.Value(assign.StatusWaived)))
	return update(s.table, key(table.PersonPK(employeeID), table.AssignmentSK(c.ModuleID, c.Cycle)), upd, cond)
}

// reopenWrite takes a waived assignment out of its waiver: open again, back
// on the due index under its original due date (awaiting its notice if no
// reminder named it yet); only at the version read.
func (s *Store) reopenWrite(employeeID string, r assign.Reopening) (types.TransactWriteItem, error) {
	upd := expression.Set(expression.Name("status"), expression.Value(assign.StatusOpen)).
		Set(expression.Name(table.GSI4PK), expression.Value(table.DuePK(employeeID))).
		Set(expression.Name(table.GSI4SK), expression.Value(dueIndexSK(employeeID, r.ModuleID, r.Cycle, r.DueOn, r.RemindersSent))).
		Set(expression.Name(table.VersionAttribute), expression.Value(r.Version+1)).
		Remove(expression.Name("waiverId")).Remove(expression.Name("waivedThrough"))
	cond := versionIs(r.Version).And(expression.Name("status").Equal(expression.Value(assign.StatusWaived)))
	return update(s.table, key(table.PersonPK(employeeID), table.AssignmentSK(r.ModuleID, r.Cycle)), upd, cond)
}

// update returns a transactional Update of the item at k under cond.
func update(tableName string, k map[string]types.AttributeValue, upd expression.UpdateBuilder, cond expression.ConditionBuilder) (types.TransactWriteItem, error) {
	expr, err := expression.NewBuilder().WithUpdate(upd).WithCondition(cond).Build()
	if err != nil {
		return types.TransactWriteItem{}, err
	}
	return types.TransactWriteItem{Update: &types.Update{
		TableName:                 aws.String(tableName),
		Key:                       k,
		UpdateExpression:          expr.Update(),
		ConditionExpression:       expr.Condition(),
		ExpressionAttributeNames:  expr.Names(),
		ExpressionAttributeValues: expr.Values(),
	}}, nil
}
