package apikey_test

import (
	"strings"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/apikey"
)

func TestCheck(t *testing.T) {
	today := time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC)
	ok := apikey.Request{Role: "hris", Label: "hr-sync"}
	with := func(f func(*apikey.Request)) apikey.Request { r := ok; f(&r); return r }
	tests := []struct {
		name  string
		req   apikey.Request
		field string // "" for none
	}{
		{"minimal", ok, ""},
		{"everything", apikey.Request{Role: "auditor", Label: "Ext. auditor (Q4) – Zoë", ExpiresOn: "2028-11-02", Agreement: "acme-2026"}, ""},
		{"expires today", with(func(r *apikey.Request) { r.ExpiresOn = "2026-11-02" }), ""},
		{"label of 100", with(func(r *apikey.Request) { r.Label = strings.Repeat("é", 100) }), ""},
		{"no role", with(func(r *apikey.Request) { r.Role = "" }), "role"},
		{"unknown role", with(func(r *apikey.Request) { r.Role = "root" }), "role"},
		{"role in capitals", with(func(r *apikey.Request) { r.Role = "Admin" }), "role"},
		{"no label", with(func(r *apikey.Request) { r.Label = "  " }), "label"},
		{"label of 101", with(func(r *apikey.Request) { r.Label = strings.Repeat("x", 101) }), "label"},
		{"control character", with(func(r *apikey.Request) { r.Label = "a\x07b" }), "label"},
		{"newline", with(func(r *apikey.Request) { r.Label = "a\nb" }), "label"},
		{"not a date", with(func(r *apikey.Request) { r.ExpiresOn = "02/11/2026" }), "expiresOn"},
		{"yesterday", with(func(r *apikey.Request) { r.ExpiresOn = "2026-11-01" }), "expiresOn"},
		{"over two years", with(func(r *apikey.Request) { r.ExpiresOn = "2028-11-03" }), "expiresOn"},
		{"agreement on an hris key", with(func(r *apikey.Request) { r.Agreement = "acme" }), "agreement"},
		{"agreement with a slash", apikey.Request{Role: "auditor", Label: "x", Agreement: "acme/2026"}, "agreement"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := apikey.Check(tt.req, today)
			switch {
			case tt.field == "" && len(ps) > 0:
				t.Errorf("got %v, want no problem", ps)
			case tt.field != "" && (len(ps) != 1 || ps[0].Field != tt.field):
				t.Errorf("got %v, want one problem with %s", ps, tt.field)
			}
		})
	}
	if ps := apikey.Check(apikey.Request{Role: "x", ExpiresOn: "x"}, today); len(ps) != 3 {
		t.Errorf("every field in error is named: %v", ps)
	}
}
