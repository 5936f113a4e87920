package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/orgconfig"
	"github.com/attest-oss/attest/shared/table"
)

// vendorItem is how a vendor's contacts are stored.
type vendorItem struct {
	PK           string    `dynamodbav:"PK"`
	SK           string    `dynamodbav:"SK"`
	Type         string    `dynamodbav:"type"`
	Key          string    `dynamodbav:"vendor"`
	ContactEmail string    `dynamodbav:"contactEmail"`
	OwnerID      string    `dynamodbav:"ownerEmployeeId"`
	Version      int       `dynamodbav:"version"`
	UpdatedAt    time.Time `dynamodbav:"updatedAt"`
	UpdatedBy    string    `dynamodbav:"updatedBy"`
}

func newVendorItem(v orgconfig.VendorRecord) vendorItem {
	return vendorItem{
		PK: table.VendorsPK, SK: table.VendorSK(v.Key), Type: table.TypeVendor,
		Key: v.Key, ContactEmail: v.ContactEmail, OwnerID: v.OwnerID, Version: v.Version, UpdatedAt: v.UpdatedAt, UpdatedBy: v.UpdatedBy,
	}
}

func (it vendorItem) record() orgconfig.VendorRecord {
	return orgconfig.VendorRecord{
		Vendor:  orgconfig.Vendor{Key: it.Key, ContactEmail: it.ContactEmail, OwnerID: it.OwnerID},
		Version: it.Version, UpdatedAt: it.UpdatedAt, UpdatedBy: it.UpdatedBy,
	}
}

// Vendor returns the contacts of the vendor with the given key, or found=false.
func (s *Store) Vendor(ctx context.Context, key string) (v orgconfig.VendorRecord, found bool, err error) {
	var it vendorItem
	found, err = s.getItem(ctx, table.VendorsPK, table.VendorSK(key), &it)
	if err != nil || !found {
		return orgconfig.VendorRecord{}, false, err
	}
	return it.record(), true, nil
}

// VendorRecords returns every vendor's contacts, ordered by vendor key, in
// one Query of the vendors' partition.
func (s *Store) VendorRecords(ctx context.Context) ([]orgconfig.VendorRecord, error) {
	out, err := queryItems(ctx, s, table.VendorsPK, "", noError(vendorItem.record))
	if err != nil {
		return nil, fmt.Errorf("vendors: %w", err)
	}
	return out, nil
}

// Vendors returns every vendor's contacts by vendor key, for the reminder
// planner.
func (s *Store) Vendors(ctx context.Context) (map[string]orgconfig.Vendor, error) {
	recs, err := s.VendorRecords(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]orgconfig.Vendor, len(recs))
	for _, r := range recs {
		out[r.Key] = r.Vendor
	}
	return out, nil
}

// PutVendor stores v's contacts as the next version, changed now by actor,
// with its vendor.changed audit event in one transaction, if nobody stored
// other contacts for the vendor since version v.Version was read (0: none
// stored); it returns a Conflict error otherwise.
func (s *Store) PutVendor(ctx context.Context, v orgconfig.VendorRecord, actor string) error {
	next := v
	next.Version++
	next.UpdatedAt = s.now().UTC()
	next.UpdatedBy = actor
	event := audit.Event{
		ID: audit.NewBatchID(), At: next.UpdatedAt, Actor: actor, Action: audit.ActionVendorChanged, Subject: identity.VendorRef(v.Key),
		Details: map[string]any{"contactEmail": v.ContactEmail, "ownerEmployeeId": v.OwnerID, "version": next.Version},
	}
	if err := s.putAudited(ctx, newVendorItem(next), replacing(v.Version), event); err != nil {
		return fmt.Errorf("put vendor %q: %w", v.Key, err)
	}
	return nil
}
