package devstack

// PIDs returns the process ids of the children, by child name, for tests
// that check nothing is left running.
func (s *Stack) PIDs() map[string]int {
	return map[string]int{
		DynamoName: s.dynamo.cmd.Process.Pid,
		SESName:    s.ses.cmd.Process.Pid,
	}
}
