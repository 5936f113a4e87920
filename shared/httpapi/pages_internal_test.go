package httpapi

import "testing"

// TestPagesParse parses every page, as rendering each the first time does,
// so that a broken template fails here and not on a request.
func TestPagesParse(t *testing.T) {
	for _, name := range pageNames {
		if _, err := page(name); err != nil {
			t.Error(err)
		}
	}
	if _, err := page("no-such-page"); err == nil {
		t.Error("page of an unknown name: no error")
	}
}
