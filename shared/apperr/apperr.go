// Package apperr defines the application's error codes. Every package reports
// failures a client should see as an *Error with a code and a message meant for
// people; the HTTP layer maps codes to statuses in one place and shows
// "internal error" for anything else.
package apperr

import (
	"errors"
	"fmt"
)

// Code classifies an error for the client.
type Code string

// Error codes.
const (
	Invalid      Code = "invalid"      // the request is malformed or fails validation
	NotFound     Code = "not_found"    // the thing asked for does not exist (or may not be seen)
	Conflict     Code = "conflict"     // the request conflicts with the current state
	Unauthorized Code = "unauthorized" // no or bad credentials
	Forbidden    Code = "forbidden"    // credentials valid, permission missing
	TooLarge     Code = "too_large"    // the body is over the documented limit
	Unsupported  Code = "unsupported"  // unsupported media type
	RateLimited  Code = "rate_limited" // too many requests
	Unavailable  Code = "unavailable"  // a part of the service this deployment does not run
	Internal     Code = "internal"     // a fault of ours; never shown in detail
)

// Problem is one validation failure, located by row and field.
type Problem struct {
	Row     int    `json:"row,omitempty"`
	Field   string `json:"field,omitempty"`
	Message string `json:"message"`
}

// String formats the problem for logs and CLI output.
func (p Problem) String() string {
	switch {
	case p.Row > 0 && p.Field != "":
		return fmt.Sprintf("row %d, %s: %s", p.Row, p.Field, p.Message)
	case p.Row > 0:
		return fmt.Sprintf("row %d: %s", p.Row, p.Message)
	case p.Field != "":
		return fmt.Sprintf("%s: %s", p.Field, p.Message)
	}
	return p.Message
}

// Error is an error whose message is safe to show to the client.
type Error struct {
	Code     Code
	Message  string
	Problems []Problem
}

// Error implements error.
func (e *Error) Error() string { return e.Message }

// New returns an *Error with a formatted message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// InvalidWith returns an Invalid error carrying the given problems.
func InvalidWith(message string, problems []Problem) *Error {
	return &Error{Code: Invalid, Message: message, Problems: problems}
}

// CodeOf returns the code of err: the code of the first *Error in its chain,
// or Internal.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns the first *Error in err's chain.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}
