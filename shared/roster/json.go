package roster

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
// empty. Values are trimmed. A field left out of a person is not given: in
// upsert mode a stored person keeps its value (see PlanImport), while null
// or "" clears it.
//
// Rows are the 1-based index in "people", and problems name fields in
// camelCase. The problems say why the body cannot be imported: invalid JSON
// (one problem with the position, bytes counted from 1), data after the
// object, a top level that is not an object, "people" missing or not an
// array, an element that is not an object, a field of the wrong type, text
// that is not UTF-8, or no people. When there are problems the upload must
// be rejected with them; People then holds only the rows that parsed.
// Unknown fields are ignored with a warning. At most 1,000 problems, and as
// many warnings, are returned, the last saying how many more there were.
//
// r is read to its end; callers pass a size-limited body already in memory,
// and a read error is reported as a problem.
func ParseJSON(r io.Reader) (Upload, []apperr.Problem) {
	return parseJSON(r, maxProblems)
}

// parseJSON is ParseJSON returning at most limit problems (the last saying
// how many more there were).
func parseJSON(r io.Reader, limit int) (Upload, []apperr.Problem) {
	u := Upload{camelCase: true}
	problems := problemList{noun: "problems", limit: limit}
	warnings := problemList{noun: "warnings"}
	result := func() (Upload, []apperr.Problem) {
		u.Warnings = warnings.list()
		return u, problems.list()
	}
	body, err := io.ReadAll(r)
	if err != nil {
		problems.add(readProblem(err))
		return result()
	}
	body = bytes.TrimPrefix(body, utf8BOM)
	if len(bytes.TrimSpace(body)) == 0 {
		problems.add(apperr.Problem{Message: "the file is empty"})
		return result()
	}

	dec := json.NewDecoder(bytes.NewReader(body))
	var top json.RawMessage
	if err := dec.Decode(&top); err != nil {
		problems.add(jsonSyntaxProblem(err, len(body)))
		return result()
	}
	if extra := bytes.TrimLeft(body[dec.InputOffset():], " \t\r\n"); len(extra) > 0 {
		problems.add(apperr.Problem{
			Message: fmt.Sprintf("unexpected data after the JSON object at byte %d", len(body)-len(extra)+1)})
	}
	if k := kind(top); k != "an object" {
		problems.add(apperr.Problem{
			Message: fmt.Sprintf(`the body must be a JSON object {"people": [...]}, not %s`, k)})
		return result()
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(top, &obj); err != nil {
		problems.add(apperr.Problem{Message: "cannot be decoded: " + err.Error()})
		return result()
	}
	for _, key := range slices.Sorted(maps.Keys(obj)) {
		if key != "people" {
			warnings.add(apperr.Problem{Field: key, Message: unknownName("field", key, true)})
		}
	}
	raw, ok := obj["people"]
	if !ok {
		problems.add(apperr.Problem{Field: "people", Message: `is missing; send {"people": [...]}`})
		return result()
	}
	var elems []json.RawMessage
	if k := kind(raw); k != "an array" {
		problems.add(apperr.Problem{Field: "people", Message: "must be an array of people, not " + k})
		return result()
	}
	if err := json.Unmarshal(raw, &elems); err != nil {
		problems.add(apperr.Problem{Field: "people", Message: "cannot be decoded: " + err.Error()})
		return result()
	}
	if len(elems) == 0 {
		problems.add(apperr.Problem{Message: "no people in the upload"})
		return result()
	}
	for i, elem := range elems {
		row := i + 1
		p, given, ok := jsonPerson(elem, row, &problems, &warnings)
		if !ok {
			continue
		}
		u.People = append(u.People, p)
		u.Rows = append(u.Rows, row)
		u.given = append(u.given, given)
	}
	return result()
}

// jsonPerson builds the person of one element of "people" and the set of
// fields it gives, adding what is wrong or ignored to problems and
// warnings; ok reports that nothing is wrong.
func jsonPerson(elem json.RawMessage, row int, problems, warnings *problemList) (p Person, given fieldSet, ok bool) {
	if k := kind(elem); k != "an object" {
		problems.add(apperr.Problem{Row: row, Message: "must be an object, not " + k})
		return p, 0, false
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(elem, &obj); err != nil {
		problems.add(apperr.Problem{Row: row, Message: "cannot be decoded: " + err.Error()})
		return p, 0, false
	}
	before := problems.n
	for i, f := range fields {
		raw, ok := obj[f.json]
		if !ok {
			continue
		}
		given = given.with(i)
		if kind(raw) == "null" {
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
			problems.add(apperr.Problem{Row: row, Field: f.json, Message: msg})
		}
	}
	for _, key := range slices.Sorted(maps.Keys(obj)) {
		if _, known := jsonFields[key]; !known {
			warnings.add(apperr.Problem{Row: row, Field: key, Message: unknownName("field", key, true)})
		}
	}
	return p, given, problems.n == before
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
