package main

import "testing"

// Not parallel: the cases set environment variables.
func TestEnvGroup(t *testing.T) {
	names := []string{"SANDBOX_TEST_A", "SANDBOX_TEST_B"}
	tests := []struct {
		name           string
		a, b           string
		wantConfigured bool
		wantErr        bool
	}{
		{name: "none set means not configured"},
		{name: "all set", a: "1", b: "2", wantConfigured: true},
		{name: "some set is an error", a: "1", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(names[0], tt.a)
			t.Setenv(names[1], tt.b)
			values, configured, err := envGroup(names...)
			if (err != nil) != tt.wantErr || configured != tt.wantConfigured {
				t.Fatalf("envGroup = %v, %v, %v; want configured=%v, error=%v", values, configured, err, tt.wantConfigured, tt.wantErr)
			}
			if configured && (values[names[0]] != tt.a || values[names[1]] != tt.b) {
				t.Fatalf("values = %v", values)
			}
		})
	}
}
