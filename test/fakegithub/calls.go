package fakegithub

// Calls is how many requests reached a route, e.g.
// Calls("POST", RouteAccessTokens), at the root and under /api/v3 together,
// whatever their outcome (faults and refusals included). Requests that
// matched no route count under the route "".
func (s *Server) Calls(method, route string) int {
	return s.calls.Count(method, route)
}

// TotalCalls is how many requests the server received, unmatched paths
// included.
func (s *Server) TotalCalls() int {
	return s.calls.Total()
}

// ResetCalls zeroes the call counts.
func (s *Server) ResetCalls() {
	s.calls.Reset()
}
