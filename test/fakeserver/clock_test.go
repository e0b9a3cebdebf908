package fakeserver_test

import (
	"testing"
	"time"

	"github.com/vault-plugin-secrets-git/vault-plugin-secrets-git/test/fakeserver"
)

func TestClock(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	c := fakeserver.NewClock(start)
	steps := []struct {
		name string
		move func()
		want time.Time
	}{
		{"stopped", func() {}, start},
		{"advance", func() { c.Advance(90 * time.Second) }, start.Add(90 * time.Second)},
		{"set", func() { c.Set(start.AddDate(1, 0, 0)) }, start.AddDate(1, 0, 0)},
		{"advance after set", func() { c.Advance(time.Hour) }, start.AddDate(1, 0, 0).Add(time.Hour)},
	}
	for _, step := range steps {
		step.move()
		if got := c.Now(); !got.Equal(step.want) {
			t.Fatalf("%s: %v, want %v", step.name, got, step.want)
		}
	}
}
