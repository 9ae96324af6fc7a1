package bot

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
)

// CallbackError refuses a platform callback: the HTTP status to answer and
// the reason, which goes to the log only.
type CallbackError struct {
	Status int
	Reason string
}

func (e *CallbackError) Error() string { return e.Reason }

// Unauthorized refuses a callback whose signature, timestamp or token fails.
func Unauthorized(reason string) error {
	return &CallbackError{Status: http.StatusUnauthorized, Reason: reason}
}

// BadRequest refuses a callback that is not what the platform sends.
func BadRequest(reason string) error {
	return &CallbackError{Status: http.StatusBadRequest, Reason: reason}
}

// CallbackStatus is the status to answer for err: its own for a
// CallbackError, else 503, so that the platform delivers the event again.
func CallbackStatus(err error) int {
	var ce *CallbackError
	if errors.As(err, &ce) {
		return ce.Status
	}
	return http.StatusServiceUnavailable
}

// RefuseCallback answers err with its status and logs it once: a warning
// for a refused request, an error when salesbot itself failed.
func RefuseCallback(rw http.ResponseWriter, log *slog.Logger, p Platform, err error) {
	status := CallbackStatus(err)
	level := slog.LevelWarn
	if status >= 500 {
		level = slog.LevelError
	}
	log.Log(context.Background(), level, string(p)+" callback refused", "status", status, "err", err)
	http.Error(rw, http.StatusText(status), status)
}

// ReadCallbackBody reads a callback's body. When it cannot, it answers
// (413 past the server's body limit, else 400) and reports false.
func ReadCallbackBody(rw http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(r.Body)
	if err == nil {
		return body, true
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		http.Error(rw, "body too large", http.StatusRequestEntityTooLarge)
	} else {
		http.Error(rw, "read body", http.StatusBadRequest)
	}
	return nil, false
}
