package table_test

import (
	"strings"
	"testing"

	"github.com/attest-oss/attest/shared/table"
)

func TestAccessAllows(t *testing.T) {
	a := table.Access{
		{Actions: []table.Action{table.GetItem, table.Query}, Keys: []string{"PERSON#*", "ROSTER"}},
		{Actions: []table.Action{table.PutItem}, Keys: []string{table.AuditKeys}},
	}
	for _, tt := range []struct {
		action table.Action
		pk     string
		want   bool
	}{
		{table.GetItem, "PERSON#E001", true},
		{table.Query, "ROSTER", true},
		{table.Query, "ROSTERS", false},
		{table.Query, "PERSON", false},
		{table.PutItem, "AUDIT#2026-11-02", true},
		{table.PutItem, "PERSON#E001", false},
		{table.UpdateItem, "AUDIT#2026-11-02", false},
		{table.GetItem, "", false},
		{"Scan", "", false},
	} {
		if got := a.Allows(tt.action, tt.pk); got != tt.want {
			t.Errorf("Allows(%s, %q) = %v, want %v", tt.action, tt.pk, got, tt.want)
		}
	}
}

// TestFunctionAccessIsWellFormed: every function has grants, of item actions
// only, on key patterns IAM's StringLike reads as this package does (exact,
// or one trailing *), and none may update or delete an audit event: the
// stack's explicit deny must not break a function.
func TestFunctionAccessIsWellFormed(t *testing.T) {
	known := map[table.Action]bool{table.GetItem: true, table.BatchGetItem: true, table.Query: true,
		table.PutItem: true, table.UpdateItem: true, table.DeleteItem: true, table.ConditionCheckItem: true}
	all := table.FunctionAccess()
	for _, fn := range []string{"api", "assign", "remind", "send", "bounce", "freeze", "export"} {
		if len(all[fn]) == 0 {
			t.Errorf("%s has no access", fn)
		}
	}
	for fn, access := range all {
		for _, g := range access {
			if len(g.Actions) == 0 || len(g.Keys) == 0 {
				t.Errorf("%s: empty grant %+v", fn, g)
			}
			for _, a := range g.Actions {
				if !known[a] {
					t.Errorf("%s: action %s is not an item action", fn, a)
				}
			}
			for _, k := range g.Keys {
				if strings.ContainsAny(strings.TrimSuffix(k, "*"), "*?") || k == "*" {
					t.Errorf("%s: key pattern %q: want an exact key or a prefix followed by *", fn, k)
				}
				auditish := strings.HasPrefix(strings.TrimSuffix(k, "*"), "AUDIT#") ||
					strings.HasSuffix(k, "*") && strings.HasPrefix("AUDIT#", strings.TrimSuffix(k, "*"))
				for _, a := range g.Actions {
					if auditish && (a == table.UpdateItem || a == table.DeleteItem) {
						t.Errorf("%s: %s on %s would touch audit events", fn, a, k)
					}
				}
			}
		}
	}
}
