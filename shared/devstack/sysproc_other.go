//go:build unix && !linux

package devstack

import (
	"fmt"
	"syscall"
	"time"
)

// sysProcAttr puts the child in its own process group, so Stop can signal
// everything it spawned. Outside Linux there is no parent-death signal: a
// child outlives this process if it is killed before Stop runs.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

// processCPU is not available outside Linux.
func processCPU(pid int) (time.Duration, error) {
	return 0, fmt.Errorf("the processor time of process %d: not available on this system", pid)
}
