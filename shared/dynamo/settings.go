package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/attest-oss/attest/shared/audit"
	"github.com/attest-oss/attest/shared/orgconfig"
	"github.com/attest-oss/attest/shared/table"
)

// settingsItem is how the organisation's settings are stored.
type settingsItem struct {
	PK            string    `dynamodbav:"PK"`
	SK            string    `dynamodbav:"SK"`
	Type          string    `dynamodbav:"type"`
	SendingPaused bool      `dynamodbav:"sendingPaused"`
	Version       int       `dynamodbav:"version"`
	UpdatedAt     time.Time `dynamodbav:"updatedAt"`
	UpdatedBy     string    `dynamodbav:"updatedBy"`
}

func newSettingsItem(st orgconfig.Settings) settingsItem {
	return settingsItem{
		PK: table.SettingsPK, SK: table.SettingsSK, Type: table.TypeSettings,
		SendingPaused: st.SendingPaused, Version: st.Version, UpdatedAt: st.UpdatedAt, UpdatedBy: st.UpdatedBy,
	}
}

func (it settingsItem) settings() orgconfig.Settings {
	return orgconfig.Settings{SendingPaused: it.SendingPaused, Version: it.Version, UpdatedAt: it.UpdatedAt, UpdatedBy: it.UpdatedBy}
}

// Settings returns the organisation's settings; the zero value (version 0)
// when none were ever stored.
func (s *Store) Settings(ctx context.Context) (orgconfig.Settings, error) {
	var it settingsItem
	if _, err := s.getItem(ctx, table.SettingsPK, table.SettingsSK, &it); err != nil {
		return orgconfig.Settings{}, fmt.Errorf("settings: %w", err)
	}
	return it.settings(), nil
}

// SendingPaused reports the organisation's switch that holds back every
// reminder email (off until somebody turns it on).
func (s *Store) SendingPaused(ctx context.Context) (bool, error) {
	st, err := s.Settings(ctx)
	return st.SendingPaused, err
}

// PutSettings stores st as the next version, changed now by actor, with its
// settings.changed audit event in one transaction, if nobody stored other
// settings since version st.Version was read; it returns a Conflict error
// otherwise.
func (s *Store) PutSettings(ctx context.Context, st orgconfig.Settings, actor string) error {
	next := st
	next.Version++
	next.UpdatedAt = s.now().UTC()
	next.UpdatedBy = actor
	event := audit.Event{
		ID: audit.NewBatchID(), At: next.UpdatedAt, Actor: actor, Action: audit.ActionSettingsChanged, Subject: "settings",
		Details: map[string]any{"sendingPaused": next.SendingPaused, "version": next.Version},
	}
	if err := s.putAudited(ctx, newSettingsItem(next), replacing(st.Version), event); err != nil {
		return fmt.Errorf("put settings: %w", err)
	}
	return nil
}
