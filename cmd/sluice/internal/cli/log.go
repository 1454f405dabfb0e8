package cli

import (
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// Log formats for -log-format.
const (
	logText = "text"
	logJSON = "json"
)

// newLogger returns the structured logger of long-running commands:
// logfmt-style text (for a terminal or a plain log file) or one JSON
// object per line (for a log collector).
func newLogger(w io.Writer, format string) (*slog.Logger, error) {
	opts := &slog.HandlerOptions{Level: slog.LevelInfo}
	switch format {
	case "", logText:
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case logJSON:
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("-log-format is %q or %q, not %q", logText, logJSON, format)
}

// globalFlags takes the options given before the command: -log-format
// FORMAT (or -log-format=FORMAT). It returns the rest of args.
func (e *env) globalFlags(args []string) ([]string, error) {
	for len(args) > 0 {
		name, value, hasValue := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(args[0], "-"), "-"), "=")
		if !strings.HasPrefix(args[0], "-") || name != "log-format" {
			return args, nil
		}
		if !hasValue {
			if len(args) < 2 {
				return nil, fmt.Errorf("-log-format needs a value: %s or %s", logText, logJSON)
			}
			value, args = args[1], args[1:]
		}
		args = args[1:]
		if _, err := newLogger(io.Discard, value); err != nil {
			return nil, err
		}
		e.logFormat = value
	}
	return args, nil
}
