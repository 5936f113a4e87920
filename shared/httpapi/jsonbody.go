package httpapi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/attest-oss/attest/shared/apperr"
)

// decodeStrict decodes body, a single JSON object, into v. Names must match
// the fields exactly, case included. An unknown field, a name given twice or
// a value of the wrong type is an Invalid error naming the field; any other
// malformed body an Invalid error saying that the body must be shape.
func decodeStrict(body []byte, v any, shape string) error {
	// As before (encoding/json), invalid UTF-8 in a string is not an error
	// but becomes U+FFFD.
	utf8 := jsontext.AllowInvalidUTF8(true)
	dec := jsontext.NewDecoder(bytes.NewReader(body), utf8)
	// The whole object is read first: a syntax error anywhere in it makes
	// the body malformed, whatever the fields before it.
	obj, err := dec.ReadValue()
	if err == nil {
		err = json.Unmarshal(obj, v, utf8, json.RejectUnknownMembers(true))
	}
	if err == nil {
		if _, err := dec.ReadValue(); errors.Is(err, io.EOF) {
			return nil
		}
		return apperr.New(apperr.Invalid, "the body must be %s", shape)
	}
	// A field error names the field; the empty name ("") is reported as a
	// malformed body, since a message cannot show it.
	if dup, ok := errors.AsType[*jsontext.SyntacticError](err); ok && errors.Is(dup.Err, jsontext.ErrDuplicateName) {
		if name := strings.Join(slices.Collect(dup.JSONPointer.Tokens()), "."); name != "" {
			return fieldError(name, "appears more than once")
		}
	}
	if sem, ok := errors.AsType[*json.SemanticError](err); ok && sem.JSONPointer != "" {
		if errors.Is(sem.Err, json.ErrUnknownName) {
			if name := sem.JSONPointer.LastToken(); name != "" {
				return fieldError(name, "is not a field of %s", shape)
			}
			return apperr.New(apperr.Invalid, "the body must be %s", shape)
		}
		if sem.GoType != nil {
			return fieldError(topMember(sem.JSONPointer), "must be %s", kindOf(sem.GoType))
		}
	}
	return apperr.New(apperr.Invalid, "the body must be %s", shape)
}

// topMember is the name of the body's member that p points into: as with
// encoding/json, a wrong value in {"answers": {"q1": 1}} is about "answers".
func topMember(p jsontext.Pointer) string {
	for name := range p.Tokens() {
		return name
	}
	return ""
}

// kindOf words the JSON value a Go type takes.
func kindOf(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Bool:
		return "true or false"
	case reflect.String:
		return "a string"
	}
	return "a JSON " + t.Kind().String()
}

// fieldError is an Invalid error about one field of a JSON body; its
// message names the field.
func fieldError(field, format string, args ...any) error {
	p := apperr.Problem{Field: field, Message: fmt.Sprintf(format, args...)}
	return apperr.InvalidWith(p.String(), []apperr.Problem{p})
}
