package plugins

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/sluice-sync/sluice/connectors/sdk"
	"github.com/sluice-sync/sluice/plugins/wire"
)

// connector is a connector of a plugin, as an sdk.Connector.
type connector struct {
	p    *Plugin
	info sdk.Info
}

func newConnector(p *Plugin, ci *wire.ConnectorInfo) (*connector, error) {
	info := sdk.Info{Name: ci.Name, Version: ci.Version, Doc: ci.Doc, Sink: sinkInfoFromWire(ci.Sink)}
	if info.Name == "" {
		return nil, fmt.Errorf("it offers a connector without a name")
	}
	for _, k := range ci.Kinds {
		info.Kinds = append(info.Kinds, sdk.Kind(k))
	}
	for _, s := range ci.Settings {
		set := sdk.Setting{Name: s.Name, Type: sdk.SettingType(s.Type), Required: s.Required,
			Sensitive: s.Sensitive, Enum: s.Enum, Doc: s.Doc}
		if s.Default != nil {
			set.Default = s.Default.Go()
		}
		info.Settings = append(info.Settings, set)
	}
	return &connector{p: p, info: info}, nil
}

func (c *connector) Info() sdk.Info { return c.info }

// validateTimeout bounds ValidateSettings, which has no context.
const validateTimeout = 30 * time.Second

// ValidateSettings asks the plugin for the connector's own checks of s.
// A failure to ask is itself a problem.
func (c *connector) ValidateSettings(s sdk.Settings) []sdk.Problem {
	ctx, cancel := context.WithTimeout(context.Background(), validateTimeout)
	defer cancel()
	values, err := wire.NewValues(s)
	if err != nil {
		return []sdk.Problem{{Summary: "Invalid settings", Detail: err.Error()}}
	}
	resp, err := c.p.rpc.Validate(ctx, &wire.ValidateRequest{Connector: c.info.Name, Settings: values})
	if err != nil {
		return []sdk.Problem{{Summary: "Cannot validate the settings", Detail: c.p.fail(ctx, c.info.Name, "validating settings", err).Error()}}
	}
	return problemsFromWire(resp.Problems)
}

// Open opens a connection in the plugin. The settings reach the plugin
// here (and in ValidateSettings) only.
func (c *connector) Open(ctx context.Context, req sdk.OpenRequest) (sdk.Conn, error) {
	values, err := wire.NewValues(req.Settings)
	if err != nil {
		return nil, fmt.Errorf("%s: settings: %w", c.info.Name, err)
	}
	resp, err := c.p.rpc.Configure(ctx, &wire.ConfigureRequest{Connector: c.info.Name, Settings: values})
	if err != nil {
		return nil, c.p.fail(ctx, c.info.Name, "opening a connection", err)
	}
	if len(resp.Problems) > 0 {
		var parts []string
		for _, p := range problemsFromWire(resp.Problems) {
			parts = append(parts, fmt.Sprintf("%s: %s: %s", p.Setting, p.Summary, p.Detail))
		}
		return nil, fmt.Errorf("%s: invalid settings: %s", c.info.Name, strings.Join(parts, "; "))
	}
	if resp.Error != nil {
		return nil, errorFromWire(resp.Error)
	}
	rc := &remoteConn{p: c.p, connector: c.info.Name, id: resp.Connection}
	var mask kindMask
	for _, i := range resp.Interfaces {
		switch i {
		case wire.Interface_INTERFACE_SOURCE:
			mask |= hasSource
		case wire.Interface_INTERFACE_SINK:
			mask |= hasSink
		case wire.Interface_INTERFACE_EVENT_SOURCE:
			mask |= hasEvents
		case wire.Interface_INTERFACE_FEEDBACK_TARGET:
			mask |= hasFeedback
		case wire.Interface_INTERFACE_ACCOUNT_REPORTER:
			mask |= hasAccount
		}
	}
	return assemble(rc, mask), nil
}

func sinkInfoFromWire(si *wire.SinkInfo) *sdk.SinkInfo {
	if si == nil {
		return nil
	}
	out := &sdk.SinkInfo{KeyKind: sdk.KeyKind(si.KeyKind), OpenFields: si.OpenFields, CanRemove: si.CanRemove, CanDelete: si.CanDelete}
	for _, f := range si.Fields {
		out.Fields = append(out.Fields, sdk.Field{Name: f.Name, Type: f.Type, Doc: f.Doc})
	}
	return out
}

func problemsFromWire(ps []*wire.Problem) []sdk.Problem {
	var out []sdk.Problem
	for _, p := range ps {
		out = append(out, sdk.Problem{Setting: p.Setting, Summary: p.Summary, Detail: p.Detail})
	}
	return out
}

// remoteError is an error a connector returned in the plugin: its text as
// it was, and the SDK sentinel it wrapped, if any.
type remoteError struct {
	msg string
	is  error
}

func (e *remoteError) Error() string { return e.msg }
func (e *remoteError) Unwrap() error { return e.is }

// errorFromWire rebuilds a connector's error so that callers branch on it
// as in process: errors.Is(err, sdk.ErrAuth), errors.As(err,
// **sdk.RetryAfterError).
func errorFromWire(e *wire.Error) error {
	if e == nil {
		return nil
	}
	switch e.Code {
	case wire.Error_CODE_RETRY_AFTER:
		ra := &sdk.RetryAfterError{Op: e.Op, After: time.Duration(e.RetryAfterMs) * time.Millisecond}
		if e.Message != "" {
			ra.Err = &remoteError{msg: e.Message}
		}
		return ra
	case wire.Error_CODE_AUTH:
		return &remoteError{msg: e.Message, is: sdk.ErrAuth}
	case wire.Error_CODE_LIST_NOT_FOUND:
		return &remoteError{msg: e.Message, is: sdk.ErrListNotFound}
	case wire.Error_CODE_UNSUPPORTED:
		return &remoteError{msg: e.Message, is: sdk.ErrUnsupported}
	}
	return &remoteError{msg: e.Message}
}
