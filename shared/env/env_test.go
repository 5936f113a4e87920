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

func TestPositiveInt(t *testing.T) {
	for _, tt := range []struct {
		name, value string
		want        int
		wantErr     bool
	}{
		{"UnsetKeepsTheDefault", "", 10, false},
		{"Set", "3", 3, false},
		{"Spaces", " 25 ", 25, false},
		{"Zero", "0", 0, true},
		{"Negative", "-1", 0, true},
		{"NotANumber", "ten", 0, true},
		{"Fraction", "2.5", 0, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(QuizAttemptsPerDay, tt.value)
			got, err := PositiveInt(QuizAttemptsPerDay, 10)
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), QuizAttemptsPerDay) {
					t.Errorf("got %d, %v; want an error naming %s", got, err, QuizAttemptsPerDay)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("got %d, %v; want %d", got, err, tt.want)
			}
		})
	}
}
