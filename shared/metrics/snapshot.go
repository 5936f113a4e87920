package metrics

import (
	"time"

	"github.com/attest-oss/attest/shared/agreement"
)

// Snapshot is the manifest of a closed quarter's frozen snapshot: which run
// wrote it, the organisation's figures by department and every agreement's
// report as they were when frozen. The rows themselves are in the run's
// chunks, which the store reads back in the order they were written.
type Snapshot struct {
	// Quarter is the quarter frozen ("2026-Q3"); AsOf its last day.
	Quarter string `json:"quarter"`
	AsOf    string `json:"asOf"`
	// RunID names the run whose chunks hold the rows.
	RunID string `json:"runId"`
	// FrozenAt is when the run started.
	FrozenAt time.Time `json:"frozenAt"`
	// People is how many people's rows the chunks hold; Chunks how many
	// chunks there are.
	People int `json:"people"`
	Chunks int `json:"chunks"`
	// ItemsRead is how many items the run read to compute the rows.
	ItemsRead int `json:"itemsRead"`
	// Result is the organisation's figures by department (frozen).
	Result Result `json:"result"`
	// Agreements are the agreements stored when the quarter was frozen,
	// each with its report (without the people behind the misses, which
	// the rows give again).
	Agreements []FrozenAgreement `json:"agreements"`
}

// FrozenAgreement is an agreement as it was defined when its quarter was
// frozen, and its report then.
type FrozenAgreement struct {
	Agreement agreement.Agreement `json:"agreement"`
	Report    AgreementReport     `json:"report"`
}

// frozenAgreement returns the frozen definition of the agreement key, if the
// snapshot has it.
func (m Snapshot) frozenAgreement(key string) (agreement.Agreement, bool) {
	for _, f := range m.Agreements {
		if f.Agreement.Key == key {
			return f.Agreement, true
		}
	}
	return agreement.Agreement{}, false
}
