package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	"github.com/attest-oss/attest/shared/apperr"
)

// decodeStrict decodes body, a single JSON object, into v. An unknown field
// or a value of the wrong type is an Invalid error naming the field; any
// other malformed body an Invalid error saying that the body must be shape.
func decodeStrict(body []byte, v any, shape string) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil {
		if errors.Is(dec.Decode(&struct{}{}), io.EOF) {
			return nil
		}
		err = errors.New("data after the object")
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return fieldError(typeErr.Field, "must be %s", kindOf(typeErr.Type))
	}
	if q, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		if name, uerr := strconv.Unquote(q); uerr == nil {
			return fieldError(name, "is not a field of %s", shape)
		}
	}
	return apperr.New(apperr.Invalid, "the body must be %s", shape)
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
