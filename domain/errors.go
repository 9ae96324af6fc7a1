package domain

import (
	"errors"
	"fmt"
)

// ErrorCode classifies a domain error.
type ErrorCode string

// Error codes.
const (
	Invalid   ErrorCode = "invalid"
	NotFound  ErrorCode = "not_found"
	Conflict  ErrorCode = "conflict"
	Forbidden ErrorCode = "forbidden"
	Internal  ErrorCode = "internal"
)

// Error is an error whose Message may be shown to the user as it is.
type Error struct {
	Code    ErrorCode
	Message string
	// Err is the underlying cause, for logs; never shown to users.
	Err error
}

// Errorf returns an *Error with a formatted user-facing message.
func Errorf(code ErrorCode, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// UserMessage returns the text to show the user.
func (e *Error) UserMessage() string { return e.Message }

// Forbidden reports whether the error denies an operation to its user.
func (e *Error) Forbidden() bool { return e.Code == Forbidden }

// CodeOf returns the code of the first *Error in err's chain, or Internal.
func CodeOf(err error) ErrorCode {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// IsNotFound reports whether err is a NotFound domain error.
func IsNotFound(err error) bool { return err != nil && CodeOf(err) == NotFound }

// IsConflict reports whether err is a Conflict domain error.
func IsConflict(err error) bool { return err != nil && CodeOf(err) == Conflict }
