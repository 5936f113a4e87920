package env

import (
	"strings"
	"testing"
)

func TestRequired(t *testing.T) {
	for _, tt := range []struct {
		name, value string
		wantErr     bool
	}{
		{"Set", "attest", false},
		{"Empty", "", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(TableName, tt.value)
			got, err := Required(TableName)
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), TableName) {
					t.Errorf("got %q, %v; want an error naming %s", got, err, TableName)
				}
				return
			}
			if err != nil || got != tt.value {
				t.Errorf("got %q, %v; want %q", got, err, tt.value)
			}
			if Optional(TableName) != tt.value {
				t.Errorf("Optional = %q, want %q", Optional(TableName), tt.value)
			}
		})
	}
}
