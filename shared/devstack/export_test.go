package devstack

// PIDs returns the process ids of the children, by child name, for tests
// that check nothing is left running.
func (s *Stack) PIDs() map[string]int {
	pids := make(map[string]int, len(s.kids))
	for _, c := range s.kids {
		pids[c.name] = c.cmd.Process.Pid
	}
	return pids
}

// TempDir returns the temporary KMS data directory Start made, or "".
func (s *Stack) TempDir() string { return s.tempDir }
