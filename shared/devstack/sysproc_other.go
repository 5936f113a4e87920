//go:build unix && !linux

package devstack

import "syscall"

// sysProcAttr puts the child in its own process group, so Stop can signal
// everything it spawned. Outside Linux there is no parent-death signal: a
// child outlives this process if it is killed before Stop runs.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
