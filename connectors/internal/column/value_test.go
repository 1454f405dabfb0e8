package column

import (
	"testing"
	"time"
)

func TestParseTime(t *testing.T) {
	tests := []struct {
		in   string
		want string // RFC 3339 in UTC, "" for invalid
	}{
		{"2024-01-02T03:04:05Z", "2024-01-02T03:04:05Z"},
		{"2024-01-02 03:04:05", "2024-01-02T03:04:05Z"},
		{"2024-01-02T03:04:05-07:30", "2024-01-02T10:34:05Z"},
		{"2024-02-29T00:00:00.5Z", "2024-02-29T00:00:00.5Z"},
		{"1969-12-31T23:59:59.000001Z", "1969-12-31T23:59:59.000001Z"},
		{"0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"},
		{"2023-02-29T00:00:00Z", ""},
		{"2024-01-02T03:04:60Z", ""},
		{"2024-01-02T03:04:05+0700", ""},
		{"2024-01-02T03:04:05.Z", ""},
		{"2024-01-02", ""},
		{"2024/01/02 03:04:05", ""},
	}
	for _, tt := range tests {
		us, ok := ParseTime([]byte(tt.in))
		got := ""
		if ok {
			got = time.UnixMicro(us).UTC().Format(time.RFC3339Nano)
		}
		if got != tt.want {
			t.Errorf("ParseTime(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
