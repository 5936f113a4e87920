package team

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"
)

// CSVHeader is the header row of a team view as CSV.
var CSVHeader = []string{
	"employee_id", "name", "department", "manager_id", "depth", "reachable", "last_reminder_at",
	"module_id", "cycle", "due_at", "status", "days_overdue", "completed_at", "waiver_id",
	"policies_required", "policies_acknowledged", "policies_waived",
}

// WriteCSV writes the view's rows as CSV, in the view's order: one row per
// person and assignment shown (a person with none has one row with the
// assignment columns empty), the person's columns repeated on each. Every
// cell is neutralised against formula injection (Neutralise).
func WriteCSV(w io.Writer, v View) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	for _, m := range v.People {
		acked, waived := m.PolicyCounts()
		person := []string{m.EmployeeID, m.Name, m.Department, m.ManagerID, strconv.Itoa(m.Depth),
			strconv.FormatBool(m.Reachable), instant(m.LastReminderAt)}
		policies := []string{strconv.Itoa(len(m.Policies)), strconv.Itoa(acked), strconv.Itoa(waived)}
		items := m.Assignments
		if len(items) == 0 {
			items = []Item{{}}
		}
		for _, it := range items {
			row := append(append([]string{}, person...), assignmentCells(it)...)
			row = append(row, policies...)
			for i, c := range row {
				row[i] = Neutralise(c)
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}

// assignmentCells are an assignment's columns; all empty for the zero Item.
func assignmentCells(it Item) []string {
	if it.ModuleID == "" {
		return make([]string, 7)
	}
	waiver := ""
	if it.WaiverID != nil {
		waiver = *it.WaiverID
	}
	return []string{it.ModuleID, strconv.Itoa(it.Cycle), it.DueAt.UTC().Format(time.RFC3339), it.Status,
		strconv.Itoa(it.DaysOverdue), instant(it.CompletedAt), waiver}
}

func instant(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// Neutralise applies the contract's rule against formula injection: a cell
// beginning with =, +, -, @, a tab or a carriage return is prefixed with a
// single quote, so that spreadsheets take it as text.
func Neutralise(cell string) string {
	if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return "'" + cell
	}
	return cell
}
