package orgconfig

import (
	"context"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/roster"
)

// SettingsStore keeps the organisation's settings.
type SettingsStore interface {
	// Settings returns the settings; the zero value when none were stored.
	Settings(ctx context.Context) (Settings, error)
	// PutSettings stores st as the next version, with its audit event, if
	// the stored version is still st.Version; Conflict otherwise.
	PutSettings(ctx context.Context, st Settings, actor string) error
}

// VendorStore keeps the vendors' escalation contacts.
type VendorStore interface {
	// Vendor returns one vendor's contacts, or found=false.
	Vendor(ctx context.Context, key string) (VendorRecord, bool, error)
	// VendorRecords returns every vendor's contacts, ordered by key.
	VendorRecords(ctx context.Context) ([]VendorRecord, error)
	// PutVendor stores v as the next version, with its audit event, if the
	// stored version is still v.Version (0: none stored); Conflict otherwise.
	PutVendor(ctx context.Context, v VendorRecord, actor string) error
}

// People tells whether a person is stored.
type People interface {
	// GetPerson returns the stored person, or found=false.
	GetPerson(ctx context.Context, employeeID string) (roster.Record, bool, error)
}

var errNoSuchVendor = apperr.New(apperr.NotFound, "no contacts are stored for that vendor")

// Service reads and changes the organisation's settings and the vendors'
// contacts. A change that changes nothing writes nothing; two concurrent
// changes cannot both be stored (Conflict).
type Service struct {
	SettingsStore SettingsStore
	VendorStore   VendorStore
	People        People
}

// Settings returns the settings in force.
func (s *Service) Settings(ctx context.Context) (Settings, error) {
	return s.SettingsStore.Settings(ctx)
}

// SetSendingPaused sets the pause switch and returns the settings as stored.
func (s *Service) SetSendingPaused(ctx context.Context, paused bool, actor string) (Settings, error) {
	cur, err := s.SettingsStore.Settings(ctx)
	if err != nil || cur.SendingPaused == paused {
		return cur, err
	}
	next := cur
	next.SendingPaused = paused
	if err := s.SettingsStore.PutSettings(ctx, next, actor); err != nil {
		return Settings{}, err
	}
	return s.SettingsStore.Settings(ctx)
}

// Vendors returns every vendor's contacts, ordered by key.
func (s *Service) Vendors(ctx context.Context) ([]VendorRecord, error) {
	return s.VendorStore.VendorRecords(ctx)
}

// Vendor returns one vendor's contacts; NotFound when none are stored.
func (s *Service) Vendor(ctx context.Context, key string) (VendorRecord, error) {
	if err := CheckVendorKey(key); err != nil {
		return VendorRecord{}, err
	}
	v, found, err := s.VendorStore.Vendor(ctx, key)
	if err != nil {
		return VendorRecord{}, err
	}
	if !found {
		return VendorRecord{}, errNoSuchVendor
	}
	return v, nil
}

// PutVendor sets (replaces) a vendor's contacts and returns them as stored,
// with created set when the vendor had none. The contact must be a bare
// address, if any, and the owner a stored person, if any.
func (s *Service) PutVendor(ctx context.Context, v Vendor, actor string) (stored VendorRecord, created bool, err error) {
	if err := CheckVendorKey(v.Key); err != nil {
		return VendorRecord{}, false, err
	}
	if err := s.checkContacts(ctx, v); err != nil {
		return VendorRecord{}, false, err
	}
	cur, found, err := s.VendorStore.Vendor(ctx, v.Key)
	if err != nil {
		return VendorRecord{}, false, err
	}
	if found && cur.Vendor == v {
		return cur, false, nil
	}
	if err := s.VendorStore.PutVendor(ctx, VendorRecord{Vendor: v, Version: cur.Version}, actor); err != nil {
		return VendorRecord{}, false, err
	}
	stored, _, err = s.VendorStore.Vendor(ctx, v.Key)
	if err != nil {
		return VendorRecord{}, false, err
	}
	return stored, !found, nil
}

// checkContacts checks a vendor's contacts: a bare contact address if any,
// and an owner who is a stored person if any.
func (s *Service) checkContacts(ctx context.Context, v Vendor) error {
	if err := CheckContactEmail(v.ContactEmail); err != nil {
		return err
	}
	if v.OwnerID == "" {
		return nil
	}
	if err := CheckOwnerID(v.OwnerID); err != nil {
		return err
	}
	_, found, err := s.People.GetPerson(ctx, v.OwnerID)
	if err != nil || found {
		return err
	}
	return invalid("ownerEmployeeId", "names no stored person (%q)", v.OwnerID)
}
