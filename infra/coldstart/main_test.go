package main

import (
	"os"
	"testing"
)

// The fixtures are RIE's output, captured: hello initialised, and assign
// exiting at init without TABLE_NAME (which RIE follows with a second,
// "phase: invoke" INIT REPORT that is not the cold start).
func TestParseInit(t *testing.T) {
	for _, tt := range []struct {
		name, file string
		want       sample
	}{
		{"OK", "testdata/rie-init-success.txt", sample{ms: 40.912, ok: true}},
		{"InitError", "testdata/rie-init-error.txt", sample{ms: 13.443, ok: false}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b, err := os.ReadFile(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			got, ok := parseInit(string(b))
			if !ok || got != tt.want {
				t.Errorf("got %+v, %v; want %+v, true", got, ok, tt.want)
			}
		})
	}
	t.Run("NotYet", func(t *testing.T) {
		if got, ok := parseInit("START RequestId: x\nINIT START(type: on-demand, phase: init)\n"); ok {
			t.Errorf("got %+v, true; want false before the INIT REPORT", got)
		}
	})
}

func TestMedianPercentile(t *testing.T) {
	var ss []sample
	for _, ms := range []float64{5, 1, 4, 2, 3, 10, 6, 7, 9, 8} {
		ss = append(ss, sample{ms: ms})
	}
	if got, want := median(ss), 5.5; got != want {
		t.Errorf("median = %v, want %v", got, want)
	}
	if got, want := median(ss[:5]), 3.0; got != want {
		t.Errorf("median of five = %v, want %v", got, want)
	}
	if got, want := percentile(ss, 0.9), 9.0; got != want {
		t.Errorf("p90 = %v, want %v", got, want)
	}
	if got, want := percentile(ss[:1], 0.9), 5.0; got != want {
		t.Errorf("p90 of one = %v, want %v", got, want)
	}
}
