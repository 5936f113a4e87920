package devtest_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/attest-oss/attest/shared/devstack/devtest"
)

var tableName = regexp.MustCompile(`^[a-zA-Z0-9_.-]{3,255}$`)

func TestUniqueName(t *testing.T) {
	t.Parallel()
	for name, prefix := range map[string]string{"empty": "", "plain": "people", "invalid": "bad prefix/ü*", "long": strings.Repeat("x", 300)} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			a, b := devtest.UniqueName(t, prefix), devtest.UniqueName(t, prefix)
			for _, name := range []string{a, b} {
				if !tableName.MatchString(name) {
					t.Errorf("UniqueName(%q) = %q, not a valid DynamoDB table name", prefix, name)
				}
			}
			if a == b {
				t.Errorf("UniqueName(%q) returned %q twice", prefix, a)
			}
		})
	}
	if got := devtest.UniqueName(t, "people"); !strings.HasPrefix(got, "people-TestUniqueName-") {
		t.Errorf("UniqueName = %q, want it to start with the prefix and test name", got)
	}
}
