package fakegithub

import "maps"

// recordCall counts a request and returns its sequence number; route is ""
// when no route matched, and such requests count only towards TotalCalls.
func (s *Server) recordCall(method, route string) int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.total++
	s.requestSeq++
	if route != "" {
		s.calls[method+" "+route]++
	}
	return s.requestSeq
}

// Calls is how many requests reached a route, e.g.
// Calls("POST", RouteAccessTokens), at the root and under /api/v3 together,
// whatever their outcome (faults and refusals included).
func (s *Server) Calls(method, route string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[method+" "+route]
}

// TotalCalls is how many requests the server received, unmatched paths
// included.
func (s *Server) TotalCalls() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.total
}

// ResetCalls zeroes the call counts.
func (s *Server) ResetCalls() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = map[string]int{}
	s.total = 0
}

// callCounts copies the per-route counts, keyed "METHOD route".
func (s *Server) callCounts() (map[string]int, int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.calls), s.total
}
