package metrics

import "time"

// Snapshot is the manifest of a closed quarter's frozen snapshot: which run
// wrote it and what it holds. The rows themselves are in the run's chunks,
// which the store reads back in the order they were written.
type Snapshot struct {
	// Quarter is the quarter frozen ("2026-Q3"); AsOf its last day.
	Quarter string `json:"quarter"`
	AsOf    string `json:"asOf"`
	// RunID names the run whose chunks hold the rows.
	RunID string `json:"runId"`
	// FrozenAt is when the manifest was written.
	FrozenAt time.Time `json:"frozenAt"`
	// People is how many people's rows the chunks hold; Chunks how many
	// chunks there are.
	People int `json:"people"`
	Chunks int `json:"chunks"`
	// HistoriesRead is how many items the run read to compute the rows.
	HistoriesRead int `json:"historiesRead"`
}
