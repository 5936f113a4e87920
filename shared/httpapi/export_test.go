package httpapi

// Routes returns the patterns registered on the server's mux, in order.
func (s *Server) Routes() []string { return append([]string(nil), s.mux.patterns...) }
