package bot

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

type forbiddenError struct{}

func (forbiddenError) Error() string       { return "forbidden" }
func (forbiddenError) UserMessage() string { return "只有管理员可以这样做。" }
func (forbiddenError) Forbidden() bool     { return true }

func TestUserText(t *testing.T) {
	wrapped := fmt.Errorf("confirm collection: %w", forbiddenError{})
	if text, ref := UserText(wrapped); text != "只有管理员可以这样做。" || ref != "" {
		t.Errorf("UserText(user error) = %q, %q", text, ref)
	}
	if !IsForbidden(wrapped) || IsForbidden(errors.New("x")) {
		t.Error("IsForbidden wrong")
	}
	text, ref := UserText(errors.New("dial tcp: connection refused"))
	if len(ref) != 8 || !strings.Contains(text, ref) || strings.Contains(text, "dial") {
		t.Errorf("UserText(internal) = %q, %q; want an apology with the reference", text, ref)
	}
}

func TestErrTextKeepsUTF8Valid(t *testing.T) {
	// Cut at 1000 bytes, which falls inside the last 中.
	s := errText(errors.New(strings.Repeat("a", 999) + "中文"))
	if !utf8.ValidString(s) || len(s) > 1000 || !strings.HasPrefix(s, strings.Repeat("a", 999)) {
		t.Errorf("errText = %d bytes, valid UTF-8 %v", len(s), utf8.ValidString(s))
	}
}
