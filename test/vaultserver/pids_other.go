//go:build !linux

package vaultserver

import "errors"

// PluginPIDs needs Linux's /proc; elsewhere it reports that it cannot work.
func (s *Server) PluginPIDs() ([]int, error) {
	return nil, errors.New("vaultserver: PluginPIDs is only implemented on Linux")
}
