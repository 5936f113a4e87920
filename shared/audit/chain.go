package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// The audit stream is tamper-evident (docs/AUDIT.md): every event is stored
// with its hash, and each UTC day is sealed once it has ended, by a signed
// seal over the hash chain of the day's events that also links to the
// previous day's seal. Events stay put-once; seals are written beside them.

// Canonical returns the canonical form of e: compact JSON with the fields in
// the order id, at, actor, action, subject, source, details; at in RFC 3339
// with nanoseconds in UTC (trailing zeros dropped); source and details left
// out when empty; details' keys sorted and its numbers as float64 (the form
// in which DynamoDB hands them back); no HTML escaping. It is what the audit
// log of an evidence bundle carries, one event a line.
func Canonical(e Event) []byte {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	c := canonicalEvent{ID: e.ID, At: e.At.UTC().Format(time.RFC3339Nano), Actor: e.Actor, Action: e.Action,
		Subject: e.Subject, Source: e.Source, Details: NormalizeDetails(e.Details)}
	if err := enc.Encode(c); err != nil {
		// Normalized details hold only JSON values, which always encode.
		panic(fmt.Sprintf("audit: encode canonical event: %v", err))
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// canonicalEvent fixes the field order of the canonical form.
type canonicalEvent struct {
	ID      string         `json:"id"`
	At      string         `json:"at"`
	Actor   string         `json:"actor"`
	Action  string         `json:"action"`
	Subject string         `json:"subject"`
	Source  string         `json:"source,omitempty"`
	Details map[string]any `json:"details,omitempty"`
}

// NormalizeDetails returns details as JSON decodes them: numbers float64,
// lists []any, objects map[string]any, strings as valid UTF-8; nil for
// empty details. The store writes normalized details, so that an event read
// back has the canonical form (and hash) of the event written. Details that
// do not encode as JSON (a channel, a function) become their description
// under the key, so no event is refused for them.
func NormalizeDetails(details map[string]any) map[string]any {
	if len(details) == 0 {
		return nil
	}
	safe := make(map[string]any, len(details))
	for k, v := range details {
		if _, err := json.Marshal(v); err != nil {
			v = fmt.Sprintf("%v", v)
		}
		safe[k] = v
	}
	b, err := json.Marshal(safe)
	if err != nil {
		panic(fmt.Sprintf("audit: encode details: %v", err)) // every value encodes now
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		panic(fmt.Sprintf("audit: decode details: %v", err))
	}
	return out
}

// Normalize returns e as the store writes it: its time in UTC and its
// details normalized (see NormalizeDetails).
func Normalize(e Event) Event {
	e.At = e.At.UTC()
	e.Details = NormalizeDetails(e.Details)
	return e
}

// Hash returns the lowercase hex SHA-256 of the event's canonical form.
func Hash(e Event) string {
	sum := sha256.Sum256(Canonical(e))
	return hex.EncodeToString(sum[:])
}

// Stored is an audit event as read back from the store, with the hash
// written beside it (empty for events written before the log was chained).
type Stored struct {
	Event
	Hash string
}

// ChainHash is the hash the event's link is made of: the stored hash, or
// the event's own for an event stored without one.
func (s Stored) ChainHash() string {
	if s.Hash != "" {
		return s.Hash
	}
	return Hash(s.Event)
}

// GenesisPrev is the prev of the first seal: 32 zero bytes in hex.
const GenesisPrev = "0000000000000000000000000000000000000000000000000000000000000000"

// CheckpointEvery is how many links apart a seal's checkpoints are: the
// 1000th, 2000th, ... link of the day, so that a broken day is narrowed
// down to a thousand events.
const CheckpointEvery = 1000

// Link returns the next link of a day's chain: SHA-256 of the previous link
// followed by the 32 bytes of the event's hash (hex).
func Link(prev [sha256.Size]byte, eventHash string) ([sha256.Size]byte, error) {
	h, err := decodeDigest(eventHash)
	if err != nil {
		return [sha256.Size]byte{}, fmt.Errorf("event hash: %w", err)
	}
	var in [2 * sha256.Size]byte
	copy(in[:sha256.Size], prev[:])
	copy(in[sha256.Size:], h[:])
	return sha256.Sum256(in[:]), nil
}

// Chain walks one day's chain: link_0 is the seal's prev, each event's hash
// (in stream order) makes the next link, the root is the last link.
type Chain struct {
	link        [sha256.Size]byte
	count       int
	checkpoints []string
}

// NewChain starts a day's chain at prev (hex of 32 bytes).
func NewChain(prev string) (*Chain, error) {
	p, err := decodeDigest(prev)
	if err != nil {
		return nil, fmt.Errorf("prev: %w", err)
	}
	return &Chain{link: p}, nil
}

// Add links the next event's hash and reports whether this link is a
// checkpoint (every CheckpointEvery-th).
func (c *Chain) Add(eventHash string) (checkpoint bool, err error) {
	next, err := Link(c.link, eventHash)
	if err != nil {
		return false, err
	}
	c.link = next
	c.count++
	if c.count%CheckpointEvery == 0 {
		c.checkpoints = append(c.checkpoints, hex.EncodeToString(next[:]))
		return true, nil
	}
	return false, nil
}

// Count is how many events were linked.
func (c *Chain) Count() int { return c.count }

// Root is the last link (hex), prev when no event was linked.
func (c *Chain) Root() string { return hex.EncodeToString(c.link[:]) }

// Checkpoints are the links so far at every CheckpointEvery-th event (hex).
func (c *Chain) Checkpoints() []string { return append([]string{}, c.checkpoints...) }

// decodeDigest reads 64 lowercase hex digits.
func decodeDigest(s string) ([sha256.Size]byte, error) {
	var d [sha256.Size]byte
	if len(s) != 2*sha256.Size {
		return d, fmt.Errorf("%q is not 64 hex digits", s)
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return d, fmt.Errorf("%q is not 64 lowercase hex digits", s)
		}
	}
	_, err := hex.Decode(d[:], []byte(s))
	return d, err
}

// Seal closes one UTC day of the audit stream: how many events it holds,
// the root of its chain (started at Prev) and the checkpoints along it,
// when and with which key it was sealed. Prev is the hex SHA-256 of the
// previous day's canonical seal bytes (GenesisPrev for the first seal).
type Seal struct {
	Day         string    `json:"day"`
	Count       int       `json:"count"`
	Root        string    `json:"root"`
	Prev        string    `json:"prev"`
	Checkpoints []string  `json:"checkpoints"`
	SealedAt    time.Time `json:"sealedAt"`
	KeyID       string    `json:"keyId"`
}

// Canonical returns the seal's canonical bytes, the signed message: compact
// JSON in field order, sealedAt in RFC 3339 UTC with nanoseconds (trailing
// zeros dropped), checkpoints [] when none.
func (s Seal) Canonical() []byte {
	cp := s.Checkpoints
	if cp == nil {
		cp = []string{}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(canonicalSeal{Day: s.Day, Count: s.Count, Root: s.Root, Prev: s.Prev, Checkpoints: cp,
		SealedAt: s.SealedAt.UTC().Format(time.RFC3339Nano), KeyID: s.KeyID})
	if err != nil {
		panic(fmt.Sprintf("audit: encode seal: %v", err)) // strings and ints always encode
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

// canonicalSeal fixes the field order of a seal's canonical bytes.
type canonicalSeal struct {
	Day         string   `json:"day"`
	Count       int      `json:"count"`
	Root        string   `json:"root"`
	Prev        string   `json:"prev"`
	Checkpoints []string `json:"checkpoints"`
	SealedAt    string   `json:"sealedAt"`
	KeyID       string   `json:"keyId"`
}

// SameChain reports whether two seals of a day seal the same chain (day,
// count, root, prev and checkpoints), whoever sealed it when.
func (s Seal) SameChain(o Seal) bool {
	if s.Day != o.Day || s.Count != o.Count || s.Root != o.Root || s.Prev != o.Prev || len(s.Checkpoints) != len(o.Checkpoints) {
		return false
	}
	for i := range s.Checkpoints {
		if s.Checkpoints[i] != o.Checkpoints[i] {
			return false
		}
	}
	return true
}

// SignedSeal is a seal as stored: its canonical bytes exactly as signed and
// the DER ECDSA signature of their SHA-256.
type SignedSeal struct {
	// Day is the day the seal is stored under.
	Day       string
	Bytes     []byte
	Signature []byte
}

// Digest returns the hex SHA-256 of the seal's bytes: the next day's prev.
func (s SignedSeal) Digest() string {
	sum := sha256.Sum256(s.Bytes)
	return hex.EncodeToString(sum[:])
}

// Parse reads the seal's bytes, which must be the canonical bytes of a
// well-formed seal of the day it is stored under.
func (s SignedSeal) Parse() (Seal, error) {
	var c canonicalSeal
	dec := json.NewDecoder(bytes.NewReader(s.Bytes))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return Seal{}, fmt.Errorf("seal of %s is not a seal: %w", s.Day, err)
	}
	at, err := time.Parse(time.RFC3339Nano, c.SealedAt)
	if err != nil {
		return Seal{}, fmt.Errorf("seal of %s: sealedAt: %w", s.Day, err)
	}
	seal := Seal{Day: c.Day, Count: c.Count, Root: c.Root, Prev: c.Prev, Checkpoints: c.Checkpoints, SealedAt: at, KeyID: c.KeyID}
	if !bytes.Equal(seal.Canonical(), s.Bytes) {
		return Seal{}, fmt.Errorf("seal of %s is not in canonical form", s.Day)
	}
	if seal.Day != s.Day {
		return Seal{}, fmt.Errorf("seal stored under %s is for %s", s.Day, seal.Day)
	}
	for _, d := range append([]string{seal.Root, seal.Prev}, seal.Checkpoints...) {
		if _, err := decodeDigest(d); err != nil {
			return Seal{}, fmt.Errorf("seal of %s: %w", s.Day, err)
		}
	}
	if seal.Count < 0 || len(seal.Checkpoints) != seal.Count/CheckpointEvery {
		return Seal{}, fmt.Errorf("seal of %s: %d checkpoints for %d events", s.Day, len(seal.Checkpoints), seal.Count)
	}
	return seal, nil
}

// SealGrace is how long after a day ends it is sealed: events of the day
// still being written (a request in flight at midnight) land before it.
const SealGrace = time.Hour

// LastSealable returns the last UTC day (YYYY-MM-DD) that had ended at
// least SealGrace before now.
func LastSealable(now time.Time) string {
	return now.UTC().Add(-SealGrace).Truncate(24*time.Hour).AddDate(0, 0, -1).Format(time.DateOnly)
}

// GenesisDays is how far back the first sealing run reaches: it starts at
// the first day of the UTC quarter holding the day GenesisDays before the
// run, so that every quarter the tracker's events may fall in is sealed
// whole (a deployment's first quarterly bundles verify without unsealed
// days).
const GenesisDays = 31

// GenesisDay returns the first day a sealer with no seal yet seals.
func GenesisDay(now time.Time) string {
	d := now.UTC().Truncate(24*time.Hour).AddDate(0, 0, -GenesisDays)
	return time.Date(d.Year(), (d.Month()-1)/3*3+1, 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
}

// NextDay returns the day after day (YYYY-MM-DD).
func NextDay(day string) (string, error) {
	d, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return "", err
	}
	return d.AddDate(0, 0, 1).Format(time.DateOnly), nil
}
