package bot

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
)

// UserMessager is implemented by errors whose text is meant for the user
// (domain.Error). Any other error is shown as an apology with a reference id.
type UserMessager interface {
	UserMessage() string
}

// Forbidder is implemented by errors that mean "you may not do that".
type Forbidder interface {
	Forbidden() bool
}

// UserText returns what to tell the user about err, and the reference id to
// log with it when the error is not one meant for users ("" otherwise).
func UserText(err error) (text, ref string) {
	var um UserMessager
	if errors.As(err, &um) {
		return um.UserMessage(), ""
	}
	ref = NewRef()
	return "抱歉,处理时出了点问题,请稍后再试。(参考号 " + ref + ")", ref
}

// IsForbidden reports whether err says the member may not do something.
func IsForbidden(err error) bool {
	var f Forbidder
	return errors.As(err, &f) && f.Forbidden()
}

// NewRef returns a short random reference id for an error report.
func NewRef() string {
	var b [4]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
