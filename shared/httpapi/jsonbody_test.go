package httpapi

import (
	"errors"
	"reflect"
	"testing"

	"github.com/attest-oss/attest/shared/apperr"
)

// TestDecodeStrict decodes bodies into the request types of the API: valid
// bodies fill them as encoding/json did; anything else is an Invalid error
// naming the field when there is one.
func TestDecodeStrict(t *testing.T) {
	t.Parallel()
	type linkRequest struct {
		Email string `json:"email"`
	}
	type attemptRequest struct {
		Answers map[string]string `json:"answers"`
	}
	yes := true
	const shape = `{"...": "..."}`
	malformed := "the body must be " + shape
	tests := []struct {
		name  string
		into  any // a pointer to the zero request
		body  string
		want  any    // the decoded request when the body is valid
		field string // the field named by the error ("" when none)
		msg   string // the error's message; "" when the body is valid
	}{
		{name: "link", into: &linkRequest{}, body: `{"email": "a@x.co"}`, want: &linkRequest{Email: "a@x.co"}},
		{name: "escaped name", into: &linkRequest{}, body: `{"\u0065mail": "a@x.co"}`, want: &linkRequest{Email: "a@x.co"}},
		{name: "empty object", into: &linkRequest{}, body: ` {} `, want: &linkRequest{}},
		{name: "null body", into: &linkRequest{}, body: `null`, want: &linkRequest{}},
		{name: "invalid UTF-8", into: &linkRequest{}, body: "{\"email\": \"a\xff\"}", want: &linkRequest{Email: "a\uFFFD"}},
		{name: "answers", into: &attemptRequest{}, body: `{"answers": {"q1": "o1", "q2": "o2"}}`,
			want: &attemptRequest{Answers: map[string]string{"q1": "o1", "q2": "o2"}}},
		{name: "no answers", into: &attemptRequest{}, body: `{"answers": {}}`, want: &attemptRequest{Answers: map[string]string{}}},
		{name: "null answers", into: &attemptRequest{}, body: `{"answers": null}`, want: &attemptRequest{}},
		{name: "acknowledgment", into: &ackRequest{}, body: `{"typedName": "Pat", "versionSha256": "abc"}`,
			want: &ackRequest{TypedName: "Pat", VersionSHA256: "abc"}},
		{name: "run", into: &runRequest{}, body: `{"date": "2026-05-01", "dryRun": true}`,
			want: &runRequest{Date: "2026-05-01", DryRun: true}},
		{name: "settings", into: &settingsRequest{}, body: `{"sendingPaused": true}`, want: &settingsRequest{SendingPaused: &yes}},
		{name: "settings null", into: &settingsRequest{}, body: `{"sendingPaused": null}`, want: &settingsRequest{}},
		{name: "vendor", into: &vendorRequest{}, body: `{"contactEmail": "v@x.co", "ownerEmployeeId": "E1"}`,
			want: &vendorRequest{ContactEmail: "v@x.co", OwnerID: "E1"}},

		{name: "name in another case", into: &ackRequest{}, body: `{"TYPEDNAME": "Pat"}`,
			field: "TYPEDNAME", msg: "TYPEDNAME: is not a field of " + shape},
		{name: "name in another case after a known one", into: &linkRequest{}, body: `{"email": "a@x.co", "Email": "b@x.co"}`,
			field: "Email", msg: "Email: is not a field of " + shape},
		{name: "duplicate", into: &linkRequest{}, body: `{"email": "a@x.co", "email": "b@x.co"}`,
			field: "email", msg: "email: appears more than once"},
		{name: "duplicate once escaped", into: &linkRequest{}, body: `{"email": "a@x.co", "\u0065mail": "b@x.co"}`,
			field: "email", msg: "email: appears more than once"},
		{name: "duplicate answer", into: &attemptRequest{}, body: `{"answers": {"q1": "o1", "q1": "o2"}}`,
			field: "answers.q1", msg: "answers.q1: appears more than once"},
		{name: "unknown field", into: &vendorRequest{}, body: `{"contactEmail": "v@x.co", "owner": "E1"}`,
			field: "owner", msg: "owner: is not a field of " + shape},
		{name: "not a string", into: &linkRequest{}, body: `{"email": 1}`, field: "email", msg: "email: must be a string"},
		{name: "not a bool", into: &settingsRequest{}, body: `{"sendingPaused": "true"}`,
			field: "sendingPaused", msg: "sendingPaused: must be true or false"},
		{name: "answers not an object", into: &attemptRequest{}, body: `{"answers": ["o1"]}`,
			field: "answers", msg: "answers: must be a JSON map"},
		{name: "answer not a string", into: &attemptRequest{}, body: `{"answers": {"q1": 1}}`,
			field: "answers", msg: "answers: must be a string"},
		{name: "empty name", into: &linkRequest{}, body: `{"": ""}`, msg: malformed},
		{name: "empty name twice", into: &attemptRequest{}, body: `{"": 1, "": 2}`, msg: malformed},
		{name: "first problem wins", into: &runRequest{}, body: `{"dryRun": "yes", "when": 1}`,
			field: "dryRun", msg: "dryRun: must be true or false"},
		{name: "trailing object", into: &linkRequest{}, body: `{} {}`, msg: malformed},
		{name: "trailing data", into: &linkRequest{}, body: `{"email": "a@x.co"} x`, msg: malformed},
		{name: "syntax error after a wrong value", into: &linkRequest{}, body: `{"email": 1, "x": }`, msg: malformed},
		{name: "unterminated", into: &linkRequest{}, body: `{"email": "a@x.co"`, msg: malformed},
		{name: "empty", into: &linkRequest{}, body: ``, msg: malformed},
		{name: "array", into: &linkRequest{}, body: `[{"email": "a@x.co"}]`, msg: malformed},
		{name: "string", into: &linkRequest{}, body: `"a@x.co"`, msg: malformed},
		{name: "number", into: &settingsRequest{}, body: `1`, msg: malformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := decodeStrict([]byte(tt.body), tt.into, shape)
			if tt.msg == "" {
				if err != nil {
					t.Fatalf("decodeStrict(%s) = %v", tt.body, err)
				}
				if !reflect.DeepEqual(tt.into, tt.want) {
					t.Errorf("decodeStrict(%s) decoded %+v, want %+v", tt.body, tt.into, tt.want)
				}
				return
			}
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != apperr.Invalid {
				t.Fatalf("decodeStrict(%s) = %#v, want an Invalid *apperr.Error", tt.body, err)
			}
			if ae.Message != tt.msg {
				t.Errorf("decodeStrict(%s) message %q, want %q", tt.body, ae.Message, tt.msg)
			}
			field := ""
			if len(ae.Problems) > 0 {
				field = ae.Problems[0].Field
			}
			if field != tt.field {
				t.Errorf("decodeStrict(%s) names field %q, want %q (problems %v)", tt.body, field, tt.field, ae.Problems)
			}
		})
	}
}
