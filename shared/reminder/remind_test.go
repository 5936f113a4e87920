package reminder

import (
	"encoding/json"
	"testing"
	"time"
)

// TestRecipientTravelsAsJSON: queue messages carry recipients; the time zone
// must survive the trip by name.
func TestRecipientTravelsAsJSON(t *testing.T) {
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	in := Notification{Recipient: Recipient{Key: "person#E1", Email: "e1@example.com", Name: "E One", TimeZone: tokyo}, Kind: KindDigest, Day: "2026-11-02"}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var out Notification
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out.Recipient.TimeZone.String() != "Asia/Tokyo" || out.Recipient.Key != "person#E1" || out.Day != "2026-11-02" {
		t.Errorf("got %+v", out)
	}
	if err := json.Unmarshal([]byte(`{"Recipient": {"Key": "x", "TimeZone": "Mars/Olympus"}}`), &out); err == nil {
		t.Error("an unknown time zone was accepted")
	}
}
