package vaultserver

import "net"

// freePort asks the kernel for an unused loopback port. Another process may
// take it before Vault binds it; launch retries with a new port when Vault
// reports the address in use.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
