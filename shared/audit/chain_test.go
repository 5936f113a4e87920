package audit

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"
)

var at = time.Date(2026, 11, 2, 9, 30, 0, 123456000, time.UTC)

func TestCanonical(t *testing.T) {
	t.Parallel()
	berlin := time.FixedZone("CET", 3600)
	for _, tt := range []struct {
		name string
		e    Event
		want string
	}{
		{"field order, no source or details",
			Event{ID: "ev1", At: at, Actor: "key:ci", Action: ActionSignIn, Subject: "person#E1"},
			`{"id":"ev1","at":"2026-11-02T09:30:00.123456Z","actor":"key:ci","action":"signin","subject":"person#E1"}`},
		{"time in UTC whatever the zone",
			Event{ID: "ev1", At: at.In(berlin), Actor: "a", Action: "x", Subject: "s"},
			`{"id":"ev1","at":"2026-11-02T09:30:00.123456Z","actor":"a","action":"x","subject":"s"}`},
		{"details sorted, numbers as JSON numbers",
			Event{ID: "ev2", At: at, Actor: "a", Action: "x", Subject: "s", Source: "192.0.2.1",
				Details: map[string]any{"z": 1, "a": []string{"b", "a"}, "m": map[string]any{"y": true, "x": nil}, "f": 2.5}},
			`{"id":"ev2","at":"2026-11-02T09:30:00.123456Z","actor":"a","action":"x","subject":"s","source":"192.0.2.1","details":{"a":["b","a"],"f":2.5,"m":{"x":null,"y":true},"z":1}}`},
		{"HTML characters and unicode kept as they are",
			Event{ID: "ev3", At: at, Actor: "<b>&amp;</b>", Action: "x", Subject: "Zoë 日本", Details: map[string]any{"note": "a<b>&c'\""}},
			`{"id":"ev3","at":"2026-11-02T09:30:00.123456Z","actor":"<b>&amp;</b>","action":"x","subject":"Zoë 日本","details":{"note":"a<b>&c'\""}}`},
		{"empty details left out",
			Event{ID: "ev4", At: at, Actor: "a", Action: "x", Subject: "s", Details: map[string]any{}},
			`{"id":"ev4","at":"2026-11-02T09:30:00.123456Z","actor":"a","action":"x","subject":"s"}`},
		{"control characters escaped, line separator too",
			Event{ID: "ev5", At: at, Actor: "a\nb\t\u2028", Action: "x", Subject: "s"},
			`{"id":"ev5","at":"2026-11-02T09:30:00.123456Z","actor":"a\nb\t\u2028","action":"x","subject":"s"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := string(Canonical(tt.e))
			if got != tt.want {
				t.Errorf("Canonical\n got %s\nwant %s", got, tt.want)
			}
			sum := sha256.Sum256([]byte(tt.want))
			if h := Hash(tt.e); h != hex.EncodeToString(sum[:]) {
				t.Errorf("Hash %s, want the SHA-256 of the canonical form", h)
			}
		})
	}
}

// TestCanonicalIsStableAcrossNormalizing: what the store writes (Normalize)
// and what it reads back (numbers as float64, lists as []any, no empty
// details) hash as the event written.
func TestCanonicalIsStableAcrossNormalizing(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		written  map[string]any
		readBack map[string]any
	}{
		{"integers come back float64", map[string]any{"revision": 2, "count": int64(1 << 40)}, map[string]any{"revision": 2.0, "count": float64(1 << 40)}},
		{"string lists come back []any", map[string]any{"fields": []string{"name", "email"}}, map[string]any{"fields": []any{"name", "email"}}},
		{"nested", map[string]any{"m": map[string]int{"a": 1}}, map[string]any{"m": map[string]any{"a": 1.0}}},
		{"empty details come back absent", map[string]any{}, nil},
		{"structs as their JSON", map[string]any{"p": struct {
			A string `json:"a"`
		}{"x"}}, map[string]any{"p": map[string]any{"a": "x"}}},
		{"values JSON cannot hold as text", map[string]any{"c": make(chan int)}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := Event{ID: "ev", At: at, Actor: "a", Action: "x", Subject: "s", Details: tt.written}
			n := Normalize(e)
			if Hash(n) != Hash(e) {
				t.Errorf("normalizing changed the hash: %s vs %s", Canonical(n), Canonical(e))
			}
			if tt.readBack != nil {
				back := e
				back.Details = tt.readBack
				if Hash(back) != Hash(e) {
					t.Errorf("read back %s, written %s", Canonical(back), Canonical(e))
				}
			}
		})
	}
	if a, b := Hash(Event{ID: "a", At: at}), Hash(Event{ID: "b", At: at}); a == b {
		t.Error("two events with different ids hash alike")
	}
}

func hashOf(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func TestChain(t *testing.T) {
	t.Parallel()
	prev := hashOf("previous seal")
	c, err := NewChain(prev)
	if err != nil {
		t.Fatal(err)
	}
	if c.Root() != prev || c.Count() != 0 || len(c.Checkpoints()) != 0 {
		t.Errorf("an empty chain: root %s count %d, want prev and 0", c.Root(), c.Count())
	}
	// By hand: link_1 = SHA-256(link_0 || hash_1).
	h1 := hashOf("event 1")
	p, _ := hex.DecodeString(prev)
	b1, _ := hex.DecodeString(h1)
	want := sha256.Sum256(append(p, b1...))
	if _, err := c.Add(h1); err != nil {
		t.Fatal(err)
	}
	if c.Root() != hex.EncodeToString(want[:]) {
		t.Errorf("root %s, want %x", c.Root(), want)
	}
	var points []string
	for i := 2; i <= 2*CheckpointEvery+5; i++ {
		cp, err := c.Add(hashOf(fmt.Sprint("event ", i)))
		if err != nil {
			t.Fatal(err)
		}
		if cp {
			points = append(points, c.Root())
		}
	}
	if got := c.Checkpoints(); c.Count() != 2*CheckpointEvery+5 || len(got) != 2 || got[0] != points[0] || got[1] != points[1] {
		t.Errorf("count %d, checkpoints %v, want the 1000th and 2000th links %v", c.Count(), got, points)
	}
	for _, bad := range []string{"", "abc", strings.ToUpper(h1), h1[:62] + "zz"} {
		if _, err := c.Add(bad); err == nil {
			t.Errorf("Add(%q): no error", bad)
		}
		if _, err := NewChain(bad); err == nil {
			t.Errorf("NewChain(%q): no error", bad)
		}
	}
}

func TestSealCanonicalAndParse(t *testing.T) {
	t.Parallel()
	seal := Seal{Day: "2026-11-02", Count: 3, Root: hashOf("root"), Prev: GenesisPrev, SealedAt: time.Date(2026, 11, 3, 6, 0, 1, 0, time.UTC), KeyID: "local"}
	want := `{"day":"2026-11-02","count":3,"root":"` + seal.Root + `","prev":"` + GenesisPrev + `","checkpoints":[],"sealedAt":"2026-11-03T06:00:01Z","keyId":"local"}`
	if got := string(seal.Canonical()); got != want {
		t.Fatalf("Canonical\n got %s\nwant %s", got, want)
	}
	signed := SignedSeal{Day: seal.Day, Bytes: seal.Canonical()}
	back, err := signed.Parse()
	if err != nil || !back.SameChain(seal) || !back.SealedAt.Equal(seal.SealedAt) || back.KeyID != "local" {
		t.Errorf("Parse: %+v %v, want %+v", back, err, seal)
	}
	if signed.Digest() != hashOf(want) {
		t.Errorf("Digest %s, want the SHA-256 of the bytes", signed.Digest())
	}
	for _, tt := range []struct {
		name  string
		day   string
		bytes string
	}{
		{"not JSON", seal.Day, "seal"},
		{"not canonical (spaces)", seal.Day, strings.Replace(want, `"count":3`, `"count": 3`, 1)},
		{"unknown field", seal.Day, strings.Replace(want, `"keyId"`, `"x":1,"keyId"`, 1)},
		{"stored under another day", "2026-11-03", want},
		{"root not hex", seal.Day, strings.Replace(want, seal.Root, strings.Repeat("g", 64), 1)},
		{"checkpoints missing", seal.Day, strings.Replace(want, `"count":3`, `"count":1003`, 1)},
	} {
		if _, err := (SignedSeal{Day: tt.day, Bytes: []byte(tt.bytes)}).Parse(); err == nil {
			t.Errorf("%s: parsed", tt.name)
		}
	}
	other := seal
	other.Checkpoints = []string{hashOf("x")}
	if seal.SameChain(other) {
		t.Error("seals with different checkpoints seal the same chain")
	}
	other = seal
	other.SealedAt, other.KeyID = time.Now(), "other"
	if !seal.SameChain(other) {
		t.Error("the same chain sealed at another time is not the same chain")
	}
}

func TestSealDays(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		now               time.Time
		sealable, genesis string
	}{
		// The genesis is the first day of the quarter holding the day 31
		// days before the run.
		{time.Date(2026, 11, 21, 0, 30, 0, 0, time.UTC), "2026-11-19", "2026-10-01"},
		{time.Date(2026, 11, 21, 1, 0, 0, 0, time.UTC), "2026-11-20", "2026-10-01"},
		{time.Date(2026, 11, 21, 6, 0, 0, 0, time.FixedZone("X", -8*3600)), "2026-11-20", "2026-10-01"},
		{time.Date(2026, 3, 1, 0, 59, 59, 0, time.UTC), "2026-02-27", "2026-01-01"},
		{time.Date(2026, 10, 31, 12, 0, 0, 0, time.UTC), "2026-10-30", "2026-07-01"},
		{time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC), "2026-10-31", "2026-10-01"},
	} {
		if got := LastSealable(tt.now); got != tt.sealable {
			t.Errorf("LastSealable(%v) = %s, want %s", tt.now, got, tt.sealable)
		}
		if got := GenesisDay(tt.now); got != tt.genesis {
			t.Errorf("GenesisDay(%v) = %s, want %s", tt.now, got, tt.genesis)
		}
	}
	if d, err := NextDay("2026-12-31"); d != "2027-01-01" || err != nil {
		t.Errorf("NextDay: %s %v", d, err)
	}
	if _, err := NextDay("2026-13-01"); err == nil {
		t.Error("NextDay of no day: no error")
	}
}
