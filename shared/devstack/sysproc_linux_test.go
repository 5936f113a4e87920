package devstack

import (
	"crypto/sha256"
	"os"
	"testing"
	"time"
)

// TestProcessCPU reads this process's processor time, sees it grow while
// the process computes, and fails for a process that does not exist.
func TestProcessCPU(t *testing.T) {
	before, err := processCPU(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(nil)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		for range 10_000 {
			sum = sha256.Sum256(sum[:])
		}
		after, err := processCPU(os.Getpid())
		if err != nil {
			t.Fatal(err)
		}
		if after > before {
			return
		}
	}
	t.Errorf("the processor time stayed at %v while computing", before)
}

func TestProcessCPUOfNoProcess(t *testing.T) {
	if _, err := processCPU(-1); err == nil {
		t.Error("no error for process -1")
	}
}
