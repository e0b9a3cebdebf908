package fakeserver

import (
	"fmt"
	"testing"
)

// RecordingTB is a testing.TB that records Errorf and Cleanup instead of
// acting on them, so that a test can check what a fake's end-of-test check
// reports without failing itself. Everything else goes to the embedded TB.
// It is for one goroutine.
type RecordingTB struct {
	testing.TB
	// Errors are the messages given to Errorf, in order.
	Errors   []string
	cleanups []func()
}

// Helper does nothing: the recorded lines have no call site to report.
func (r *RecordingTB) Helper() {}

// Cleanup records f for RunCleanups.
func (r *RecordingTB) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }

// Errorf records the message.
func (r *RecordingTB) Errorf(format string, args ...any) {
	r.Errors = append(r.Errors, fmt.Sprintf(format, args...))
}

// RunCleanups runs the recorded cleanups, the last registered first, as the
// end of a test does.
func (r *RecordingTB) RunCleanups() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}
