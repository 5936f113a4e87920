package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/attest-oss/attest/shared/apperr"
	"github.com/attest-oss/attest/shared/auth"
	"github.com/attest-oss/attest/shared/identity"
)

// The request parsers that see raw attacker input before any lookup: the
// strict JSON decoder of every JSON body, the session cookie and the
// Authorization header. `make fuzz` runs each target for a minute.

// fuzzBodies are the request types decodeStrict fills, in the order a fuzz
// input picks them; each entry makes a fresh pointer to the zero request.
var fuzzBodies = []func() any{
	func() any {
		return new(struct {
			Email string `json:"email"`
		})
	},
	func() any {
		return new(struct {
			Answers map[string]string `json:"answers"`
		})
	},
	func() any { return new(ackRequest) },
	func() any { return new(runRequest) },
	func() any { return new(settingsRequest) },
	func() any { return new(vendorRequest) },
}

// FuzzDecodeStrict decodes arbitrary bodies into the API's request types.
// A body is accepted only when it is one JSON object (or null) and nothing
// else, every member name is a field of the type, spelled exactly, and no
// name appears twice in any object; it then decodes as encoding/json
// decodes it. Anything else is an Invalid error whose message is the
// expected shape or names the field. Run it with
// go test -run '^$' -fuzz '^FuzzDecodeStrict$' ./shared/httpapi.
func FuzzDecodeStrict(f *testing.F) {
	for i, body := range []string{
		`{"email": "a@x.co"}`,
		`{"answers": {"q1": "a", "q2": "b"}}`,
		`{"typedName": "Pat", "versionSha256": "abc"}`,
		`{"date": "2026-05-01", "dryRun": true}`,
		`{"sendingPaused": false}`,
		`{"contactEmail": "v@x.co", "ownerEmployeeId": "E1"}`,
	} {
		f.Add(uint8(i), []byte(body))
	}
	for _, body := range []string{
		``, `null`, ` {} `, `{} {}`, `{"email": "a"} x`, `[{"email": "a"}]`, `"x"`, `1`,
		`{"email": "a", "email": "b"}`, `{"email": "a", "\u0065mail": "b"}`, `{"Email": "a"}`,
		`{"answers": {"q1": "a", "q1": "b"}}`, `{"answers": {"q1": 1}}`, `{"answers": ["a"]}`,
		"{\"answers\": {\"\xff\": \"a\", \"\xfe\": \"b\"}}", "{\"email\": \"a\xff\"}",
		`{"answers": {"q1": "a"}, "extra": {}}`, `{"dryRun": "yes", "when": 1}`, `{"email": "a"`,
		`{"sendingPaused": null}`, `{"answers": null}`, "\ufeff{}", `{"email": "\ud800"}`,
	} {
		for i := range fuzzBodies {
			f.Add(uint8(i), []byte(body))
		}
	}
	const shape = `{"...": "..."}`
	f.Fuzz(func(t *testing.T, pick uint8, body []byte) {
		newBody := fuzzBodies[int(pick)%len(fuzzBodies)]
		v := newBody()
		err := decodeStrict(body, v, shape)
		if err != nil {
			ae, ok := apperr.As(err)
			if !ok || ae.Code != apperr.Invalid {
				t.Fatalf("decodeStrict(%q) = %v, want an Invalid *apperr.Error", body, err)
			}
			switch len(ae.Problems) {
			case 0:
				if ae.Message != "the body must be "+shape {
					t.Fatalf("decodeStrict(%q) = %q, want the expected shape", body, ae.Message)
				}
			case 1:
				if p := ae.Problems[0]; p.Field == "" || ae.Message != p.String() {
					t.Fatalf("decodeStrict(%q) = %q with problem %+v, want a message naming the field", body, ae.Message, p)
				}
			default:
				t.Fatalf("decodeStrict(%q) gave problems %v, want at most one", body, ae.Problems)
			}
			return
		}
		top := bytes.TrimLeft(body, " \t\r\n")
		if !json.Valid(body) || len(top) == 0 || top[0] != '{' && top[0] != 'n' {
			t.Fatalf("decodeStrict accepted %q, which is not one JSON object", body)
		}
		if dup, unknown := checkNames(t, body, reflect.TypeOf(v).Elem()); dup != "" || unknown != "" {
			t.Fatalf("decodeStrict accepted %q, which has the duplicate name %q or the unknown name %q", body, dup, unknown)
		}
		want := newBody()
		if err := json.Unmarshal(body, want); err != nil || !reflect.DeepEqual(v, want) {
			t.Fatalf("decodeStrict(%q) decoded %+v; encoding/json decodes %+v (%v)", body, v, want, err)
		}
	})
}

// checkNames walks a valid JSON body with encoding/json's tokenizer and
// returns a member name that appears twice in one object (names compared
// as decoded) and a member of the top-level object that is not exactly the
// JSON name of a field of t.
func checkNames(tb testing.TB, body []byte, t reflect.Type) (dup, unknown string) {
	known := map[string]bool{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		known[name] = true
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	type frame struct {
		object bool
		names  map[string]bool
		key    bool // the next token of an object is a name
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return dup, unknown
		}
		if err != nil {
			tb.Fatalf("tokenizing %q: %v", body, err)
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if name, isName := tok.(string); isName && top != nil && top.object && top.key {
			if top.names[name] && dup == "" {
				dup = name
			}
			top.names[name] = true
			if len(stack) == 1 && !known[name] && unknown == "" {
				unknown = name
			}
			top.key = false
			continue
		}
		switch tok {
		case json.Delim('{'):
			stack = append(stack, &frame{object: true, names: map[string]bool{}, key: true})
			continue
		case json.Delim('['):
			stack = append(stack, &frame{})
			continue
		case json.Delim('}'), json.Delim(']'):
			stack = stack[:len(stack)-1]
		}
		if len(stack) > 0 && stack[len(stack)-1].object {
			stack[len(stack)-1].key = true // a value ended: a name comes next
		}
	}
}

// FuzzParseSessionCookie checks that parseSessionCookie accepts exactly the
// values sessionCookie writes: a valid employee id, a dot and a session id
// of NewSecret's shape. Run it with
// go test -run '^$' -fuzz '^FuzzParseSessionCookie$' ./shared/httpapi.
func FuzzParseSessionCookie(f *testing.F) {
	const id = "iT5F1d5LE_TMXt5ZhUMmMwKtYyYUx--vtAT72pzRNPA" // a NewSecret
	for _, v := range []string{
		"E1." + id, "e.mp_loyee-7." + id, "." + id, id, "E1" + id, "E1.." + id, "E1." + id + "x",
		"E1." + strings.Repeat("B", 43), "E1.\n" + id[:42], "E 1." + id, "E1#x." + id, "é." + id,
		strings.Repeat("E", 65) + "." + id, "E1." + id[:42] + "=",
	} {
		f.Add(v)
	}
	s := &Server{}
	f.Fuzz(func(t *testing.T, v string) {
		employeeID, sid, ok := parseSessionCookie(v)
		if !ok {
			if employeeID != "" || sid != "" {
				t.Fatalf("parseSessionCookie(%q) refused it but returned %q and %q", v, employeeID, sid)
			}
			return
		}
		if identity.CheckEmployeeID(employeeID) != nil || !auth.LooksLikeSecret(sid) || employeeID+"."+sid != v {
			t.Fatalf("parseSessionCookie(%q) = %q, %q; want a valid employee id and a secret joined by a dot", v, employeeID, sid)
		}
		if c := s.sessionCookie(employeeID, sid); c.Value != v {
			t.Fatalf("the cookie of %q and %q holds %q, want %q", employeeID, sid, c.Value, v)
		}
	})
}

// fuzzKeys is a KeyStore holding one admin key; it records the hash it was
// last asked for.
type fuzzKeys struct {
	key   string
	asked *string
}

func (k fuzzKeys) APIKey(_ context.Context, hash string) (auth.APIKey, bool, error) {
	*k.asked = hash
	if hash != auth.HashSecret(k.key) {
		return auth.APIKey{}, false, nil
	}
	return auth.APIKey{Hash: hash, Role: identity.Admin, Label: "fuzz"}, true, nil
}

// FuzzAuthorizationHeader checks the parsing of Authorization headers: a
// key is looked up only for "Bearer <key>" (scheme in any case, one space,
// the key trimmed), always by the hash of the key itself; the stored key
// authenticates, and everything else is a 401 whose message is one of the
// fixed ones. Run it with
// go test -run '^$' -fuzz '^FuzzAuthorizationHeader$' ./shared/httpapi.
func FuzzAuthorizationHeader(f *testing.F) {
	key := auth.APIKeyPrefix + strings.Repeat("0123456789abcdef", 4) // the shape of NewAPIKey's keys
	for _, h := range []string{
		"Bearer " + key, "bearer " + key, "BEARER  " + key + " ", "Bearer", "Bearer ", "Bearer  ", "Basic " + key,
		"Bearer\t" + key, key, "Bearer " + key + "x", "Bearer " + key + " x", " Bearer " + key, "Bearer \u00a0" + key,
		"Bearer " + strings.ToUpper(key), "Token " + key, "Bearer " + key[:len(key)-1],
	} {
		f.Add(h)
	}
	messages := map[string]bool{
		"an API key is required: Authorization: Bearer <key>":    true,
		"the Authorization header must be: Bearer <key>":         true,
		"the API key is not valid (unknown, revoked or expired)": true,
	}
	f.Fuzz(func(t *testing.T, header string) {
		var asked string
		s := &Server{deps: Deps{Keys: fuzzKeys{key: key, asked: &asked}, Now: time.Now}}
		r := httptest.NewRequest("GET", "/api/roster", nil)
		r.Header.Set("Authorization", header)
		p, err := s.authenticate(r)

		scheme, rest, spaced := strings.Cut(header, " ")
		wantLookup := spaced && strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(rest) != ""
		if wantLookup != (asked != "") || wantLookup && asked != auth.HashSecret(rest) {
			t.Fatalf("header %q: looked up %q, want a lookup %v of the key's hash", header, asked, wantLookup)
		}
		if wantLookup && strings.TrimSpace(rest) == key {
			if err != nil || p.role != identity.Admin || !strings.Contains(p.actor, "fuzz") {
				t.Fatalf("header %q: got %+v, %v; want the admin key", header, p, err)
			}
			return
		}
		ae, ok := apperr.As(err)
		if !ok || ae.Code != apperr.Unauthorized || !messages[ae.Message] || p != (principal{}) {
			t.Fatalf("header %q: got %+v, %v; want a 401 with a fixed message", header, p, err)
		}
	})
}
