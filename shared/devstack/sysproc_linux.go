package devstack

import "syscall"

// sysProcAttr puts the child in its own process group, so Stop can signal
// everything it spawned, and makes the kernel SIGKILL it when the thread
// that started it (see launcher) exits, including when this process dies.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
