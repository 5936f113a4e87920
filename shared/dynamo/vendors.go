package dynamo

import (
	"context"
	"fmt"

	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/identity"
	"github.com/attest-oss/attest/shared/orgconfig"
	"github.com/attest-oss/attest/shared/table"
)

// vendorItem is how a vendor's contacts are stored.
type vendorItem struct {
	PK   string `dynamodbav:"PK"`
	SK   string `dynamodbav:"SK"`
	Type string `dynamodbav:"type"`
	orgconfig.VendorRecord
}

// Vendor returns the contacts of the vendor with the given key, or found=false.
func (s *Store) Vendor(ctx context.Context, key string) (v orgconfig.VendorRecord, found bool, err error) {
	var it vendorItem
	found, err = s.getItem(ctx, table.VendorsPK, table.VendorSK(key), &it)
	if err != nil || !found {
		return orgconfig.VendorRecord{}, false, err
	}
	return it.VendorRecord, true, nil
}

// VendorRecords returns every vendor's contacts, ordered by vendor key, in
// one Query of the vendors' partition.
func (s *Store) VendorRecords(ctx context.Context) ([]orgconfig.VendorRecord, error) {
	out, err := queryItems(ctx, s, table.VendorsPK, "", func(it vendorItem) orgconfig.VendorRecord { return it.VendorRecord })
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
	item := vendorItem{PK: table.VendorsPK, SK: table.VendorSK(v.Key), Type: "vendor", VendorRecord: next}
	if err := s.putAudited(ctx, item, replacing(v.Version), event); err != nil {
		return fmt.Errorf("put vendor %q: %w", v.Key, err)
	}
	return nil
}
