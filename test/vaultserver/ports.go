package vaultserver

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
)

// freePort finds an unused loopback port for Vault to bind later. The port
// is checked now and bound by Vault seconds later (a raft node's cluster
// listener only after unseal), so it is taken from below the kernel's
// ephemeral range: no outgoing connection's source port and no listener on
// port 0 can take it in between. A port in that range was once lost that
// way on a busy machine, and the node ran without its cluster listener.
// Another process picking ports the same way can still collide; launch
// retries with a new port when Vault reports the address in use.
func freePort() (int, error) {
	low, high := 20000, ephemeralLow()-1
	if high <= low {
		return kernelPort()
	}
	for range 100 {
		port := low + rand.IntN(high-low+1)
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue
		}
		l.Close()
		return port, nil
	}
	return 0, fmt.Errorf("no free loopback port in %d-%d", low, high)
}

// ephemeralLow is the first port of the kernel's ephemeral range (Linux's
// default when it cannot be read).
func ephemeralLow() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	fields := strings.Fields(string(b))
	if len(fields) == 0 {
		return 32768
	}
	n, err := strconv.Atoi(fields[0])
	if err != nil {
		return 32768
	}
	return n
}

// kernelPort lets the kernel choose, where the ephemeral range leaves no
// room below it.
func kernelPort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
