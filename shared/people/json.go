package people

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/attest-oss/attest/shared/apperr"
)

// ParseJSON reads a JSON roster: {"people": [{"employeeId": ..., ...}, ...]}
// with the contract's camelCase field names, matched exactly. Text fields
// are strings and roles and engagements arrays of strings; null counts as
// empty. Values are trimmed.
//
// Rows are the 1-based index in "people", and problems name fields in
// camelCase. The problems say why the body cannot be imported: invalid JSON
// (one problem with the position, bytes counted from 1), data after the
// object, a top level that is not an object, "people" missing or not an
// array, an element that is not an object, a field of the wrong type, text
// that is not UTF-8, or no people. When there are problems the upload must be rejected with them;
// People then holds only the rows that parsed. Unknown fields are ignored
// with a warning.
//
// r is read to its end; callers pass a size-limited body already in memory,
// and a read error is reported as a problem.
func ParseJSON(r io.Reader) (Upload, []apperr.Problem) {
	u := Upload{camelCase: true}
	body, err := io.ReadAll(r)
	if err != nil {
		return u, []apperr.Problem{readProblem(err)}
	}
	body = bytes.TrimPrefix(body, utf8BOM)
	if len(bytes.TrimSpace(body)) == 0 {
		return u, []apperr.Problem{{Message: "the file is empty"}}
	}

	dec := json.NewDecoder(bytes.NewReader(body))
	var top json.RawMessage
	if err := dec.Decode(&top); err != nil {
		return u, []apperr.Problem{jsonSyntaxProblem(err, len(body))}
	}
	var problems []apperr.Problem
	if extra := bytes.TrimLeft(body[dec.InputOffset():], " \t\r\n"); len(extra) > 0 {
		problems = append(problems, apperr.Problem{
			Message: fmt.Sprintf("unexpected data after the JSON object at byte %d", len(body)-len(extra)+1)})
	}
	if k := kind(top); k != "an object" {
		return u, append(problems, apperr.Problem{
			Message: fmt.Sprintf(`the body must be a JSON object {"people": [...]}, not %s`, k)})
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(top, &obj); err != nil {
		return u, append(problems, apperr.Problem{Message: "cannot be decoded: " + err.Error()})
	}
	for _, key := range slices.Sorted(maps.Keys(obj)) {
		if key != "people" {
			u.Warnings = append(u.Warnings, apperr.Problem{Field: key, Message: unknownName("field", key, true)})
		}
	}
	raw, ok := obj["people"]
	if !ok {
		return u, append(problems, apperr.Problem{Field: "people", Message: `is missing; send {"people": [...]}`})
	}
	var elems []json.RawMessage
	if k := kind(raw); k != "an array" {
		return u, append(problems, apperr.Problem{Field: "people", Message: "must be an array of people, not " + k})
	}
	if err := json.Unmarshal(raw, &elems); err != nil {
		return u, append(problems, apperr.Problem{Field: "people", Message: "cannot be decoded: " + err.Error()})
	}
	if len(elems) == 0 {
		return u, append(problems, apperr.Problem{Message: "no people in the upload"})
	}
	for i, elem := range elems {
		row := i + 1
		p, rowProblems, warnings := jsonPerson(elem, row)
		u.Warnings = append(u.Warnings, warnings...)
		if len(rowProblems) > 0 {
			problems = append(problems, rowProblems...)
			continue
		}
		u.People = append(u.People, p)
		u.Rows = append(u.Rows, row)
	}
	return u, problems
}

// jsonPerson builds the person of one element of "people".
func jsonPerson(elem json.RawMessage, row int) (p Person, problems, warnings []apperr.Problem) {
	if k := kind(elem); k != "an object" {
		return p, []apperr.Problem{{Row: row, Message: "must be an object, not " + k}}, nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(elem, &obj); err != nil {
		return p, []apperr.Problem{{Row: row, Message: "cannot be decoded: " + err.Error()}}, nil
	}
	for _, f := range fields {
		raw, ok := obj[f.json]
		if !ok || kind(raw) == "null" {
			continue
		}
		var msg string
		switch {
		case !utf8.Valid(raw):
			msg = "is not UTF-8 text"
		case f.list != nil:
			*f.list(&p), msg = jsonStrings(raw)
		default:
			*f.str(&p), msg = jsonString(raw)
		}
		if msg != "" {
			problems = append(problems, apperr.Problem{Row: row, Field: f.json, Message: msg})
		}
	}
	for _, key := range slices.Sorted(maps.Keys(obj)) {
		if _, known := jsonFields[key]; !known {
			warnings = append(warnings, apperr.Problem{Row: row, Field: key, Message: unknownName("field", key, true)})
		}
	}
	return p, problems, warnings
}

// jsonString decodes a JSON string and trims it; msg says what is wrong
// when raw is not a string.
func jsonString(raw json.RawMessage) (s, msg string) {
	if k := kind(raw); k != "a string" {
		return "", "must be a string, not " + k
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", "cannot be decoded: " + err.Error()
	}
	return strings.TrimSpace(s), ""
}

// jsonStrings decodes a JSON array of strings and trims each; msg says what
// is wrong when raw is not one.
func jsonStrings(raw json.RawMessage) (items []string, msg string) {
	if k := kind(raw); k != "an array" {
		return nil, "must be an array of strings, not " + k
	}
	var elems []json.RawMessage
	if err := json.Unmarshal(raw, &elems); err != nil {
		return nil, "cannot be decoded: " + err.Error()
	}
	for i, elem := range elems {
		s, msg := jsonString(elem)
		if msg != "" {
			return nil, fmt.Sprintf("item %d %s", i+1, msg)
		}
		items = append(items, s)
	}
	return items, ""
}

// kind names the kind of a valid JSON value, with its article. Values
// decoded by encoding/json start with their first character, never space.
func kind(raw json.RawMessage) string {
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// jsonSyntaxProblem explains why the body is not JSON; size is the body's
// length, where a truncated body ends. Bytes count from 1, as in
// json.SyntaxError.Offset.
func jsonSyntaxProblem(err error, size int) apperr.Problem {
	if se, ok := errors.AsType[*json.SyntaxError](err); ok {
		return apperr.Problem{Message: fmt.Sprintf("invalid JSON at byte %d: %s", se.Offset, se.Error())}
	}
	// Otherwise the decoder hit the end of the body (io.ErrUnexpectedEOF).
	return apperr.Problem{Message: fmt.Sprintf("invalid JSON: the body ends after byte %d, in the middle of a value", size)}
}
