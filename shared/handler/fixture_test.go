package handler_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/attest-oss/attest/shared/devstack/devtest"
)

func TestMain(m *testing.M) { devtest.Main(m) }

// fixture reads the event testdata/<name> holds, as Lambda delivers it.
func fixture[E any](t *testing.T, name string) E {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var e E
	if err := json.Unmarshal(raw, &e); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return e
}
