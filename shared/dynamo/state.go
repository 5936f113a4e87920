package dynamo

import (
	"context"
	"fmt"
	"time"

	"github.com/attest-oss/attest/shared/assign"
	"github.com/attest-oss/attest/shared/roster"
	"github.com/attest-oss/attest/shared/table"
)

// jobItem is how a scheduled job's state is stored.
type jobItem struct {
	PK          string `dynamodbav:"PK"`
	SK          string `dynamodbav:"SK"`
	Type        string `dynamodbav:"type"`
	LastDay     string `dynamodbav:"lastDay"`
	Fingerprint string `dynamodbav:"fingerprint"`
	Version     int    `dynamodbav:"version"`
}

func newJobItem(name string, st assign.JobState) jobItem {
	return jobItem{PK: table.JobPK(name), SK: table.StateSK, Type: table.TypeJob, LastDay: st.LastDay, Fingerprint: st.Fingerprint, Version: st.Version}
}

func (it jobItem) state() assign.JobState {
	return assign.JobState{LastDay: it.LastDay, Fingerprint: it.Fingerprint, Version: it.Version}
}

// GetJobState returns the state of the named job (zero state if it never ran).
func (s *Store) GetJobState(ctx context.Context, name string) (assign.JobState, error) {
	var it jobItem
	if _, err := s.getItem(ctx, table.JobPK(name), table.StateSK, &it); err != nil {
		return assign.JobState{}, fmt.Errorf("job state %s: %w", name, err)
	}
	return it.state(), nil
}

// PutJobState stores the state of the named job if nobody stored another one
// since st was read (st.Version); it returns a Conflict error otherwise.
func (s *Store) PutJobState(ctx context.Context, name string, st assign.JobState) error {
	cond := notExists()
	if st.Version > 0 {
		cond = versionIs(st.Version)
	}
	next := st
	next.Version++
	if err := s.putOne(ctx, newJobItem(name, next), cond); err != nil {
		return fmt.Errorf("job state %s: %w", name, err)
	}
	return nil
}

// journalItem is how the roster import journal is stored: the job state
// item of table.RosterJournalJob.
type journalItem struct {
	PK         string    `dynamodbav:"PK"`
	SK         string    `dynamodbav:"SK"`
	Type       string    `dynamodbav:"type"`
	Unfinished time.Time `dynamodbav:"unfinished"`
	Version    int       `dynamodbav:"version"`
}

// ImportJournal returns the roster import journal (the zero Journal if no
// import stored one).
func (s *Store) ImportJournal(ctx context.Context) (roster.Journal, error) {
	var it journalItem
	if _, err := s.getItem(ctx, table.JobPK(table.RosterJournalJob), table.StateSK, &it); err != nil {
		return roster.Journal{}, fmt.Errorf("import journal: %w", err)
	}
	return roster.Journal{Unfinished: it.Unfinished, Version: it.Version}, nil
}

// PutImportJournal stores the roster import journal if nobody stored
// another since j was read (j.Version); it returns a Conflict error
// otherwise, and j as stored.
func (s *Store) PutImportJournal(ctx context.Context, j roster.Journal) (roster.Journal, error) {
	cond := notExists()
	if j.Version > 0 {
		cond = versionIs(j.Version)
	}
	j.Version++
	it := journalItem{PK: table.JobPK(table.RosterJournalJob), SK: table.StateSK, Type: table.TypeJob, Unfinished: j.Unfinished.UTC(), Version: j.Version}
	if err := s.putOne(ctx, it, cond); err != nil {
		return roster.Journal{}, fmt.Errorf("import journal: %w", err)
	}
	return j, nil
}
