package audit

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestUserAgent(t *testing.T) {
	t.Parallel()
	short := "Mozilla/5.0"
	if got := UserAgent(short); got != short {
		t.Errorf("short agent changed to %q", got)
	}
	long := strings.Repeat("a", MaxUserAgentBytes-1) + "é" + "tail"
	got := UserAgent(long)
	if len(got) != MaxUserAgentBytes-1 || !utf8.ValidString(got) {
		t.Errorf("cut to %d bytes (valid UTF-8: %v), want %d and valid", len(got), utf8.ValidString(got), MaxUserAgentBytes-1)
	}
}
