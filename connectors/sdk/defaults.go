package sdk

import (
	"context"
	"errors"
)

// ErrUnsupported is wrapped by errors of operations a connector does not
// offer: a write operation its sink cannot do, a method of a kind it did
// not declare. Across the plugin boundary it stays recognisable with
// errors.Is.
var ErrUnsupported = errors.New("not supported by this connector")

// NewConnector returns a Connector described by info whose Open calls
// open with the settings. It suits connectors that need no state of their
// own beyond their connections:
//
//	sdk.NewConnector(sdk.Info{Name: "stations", ...}, func(ctx context.Context, s sdk.Settings) (sdk.Conn, error) {
//		return &conn{url: s.String("url")}, nil
//	})
func NewConnector(info Info, open func(ctx context.Context, s Settings) (Conn, error)) Connector {
	return &funcConnector{info: info, open: open}
}

type funcConnector struct {
	info Info
	open func(context.Context, Settings) (Conn, error)
}

func (c *funcConnector) Info() Info { return c.info }

func (c *funcConnector) Open(ctx context.Context, req OpenRequest) (Conn, error) {
	return c.open(ctx, req.Settings)
}

// NopClose is embedded in a Conn that holds nothing to release: its Close
// does nothing.
type NopClose struct{}

// Close does nothing.
func (NopClose) Close() error { return nil }

// SinkDefaults is embedded in a sink's Conn for the Sink methods most
// sinks answer the same way: Describe returns Info whatever the list, and
// Suppressions returns none (the sink has no unsubscribes of its own).
// The Conn writes Write itself, and may override either method.
type SinkDefaults struct {
	Info SinkInfo
}

// Describe returns a copy of d.Info.
func (d SinkDefaults) Describe(ctx context.Context, req DescribeRequest) (*SinkInfo, error) {
	si := d.Info
	return &si, nil
}

// Suppressions returns none.
func (SinkDefaults) Suppressions(ctx context.Context, req SuppressionsRequest) ([]Suppression, error) {
	return nil, nil
}

// OnlyUpsert returns an error wrapping ErrUnsupported for a write
// operation other than OpUpsert, for sinks that only add and update
// members; nil for OpUpsert.
func OnlyUpsert(connector string, op Op) error {
	if op == OpUpsert {
		return nil
	}
	return &unsupportedOp{connector: connector, op: op}
}

type unsupportedOp struct {
	connector string
	op        Op
}

func (e *unsupportedOp) Error() string {
	return e.connector + ": " + e.op.String() + " is not supported; the sink only adds and updates members"
}

func (e *unsupportedOp) Unwrap() error { return ErrUnsupported }
