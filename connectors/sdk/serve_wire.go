package sdk

import (
	"errors"
	"fmt"

	"github.com/sluice-sync/sluice/plugins/wire"
)

// infoToWire describes a connector for GetInfo.
func infoToWire(info Info) (*wire.ConnectorInfo, error) {
	ci := &wire.ConnectorInfo{Name: info.Name, Version: info.Version, Doc: info.Doc, Sink: sinkInfoToWire(info.Sink)}
	for _, k := range info.Kinds {
		ci.Kinds = append(ci.Kinds, wire.Kind(k))
	}
	for _, s := range info.Settings {
		ws := &wire.Setting{Name: s.Name, Type: wire.SettingType(s.Type), Required: s.Required,
			Sensitive: s.Sensitive, Enum: s.Enum, Doc: s.Doc}
		if s.Default != nil {
			v, err := wire.NewValue(s.Default)
			if err != nil {
				return nil, fmt.Errorf("connector %q, setting %q: default: %w", info.Name, s.Name, err)
			}
			ws.Default = v
		}
		ci.Settings = append(ci.Settings, ws)
	}
	return ci, nil
}

func sinkInfoToWire(si *SinkInfo) *wire.SinkInfo {
	if si == nil {
		return nil
	}
	out := &wire.SinkInfo{KeyKind: wire.KeyKind(si.KeyKind), OpenFields: si.OpenFields, CanRemove: si.CanRemove, CanDelete: si.CanDelete}
	for _, f := range si.Fields {
		out.Fields = append(out.Fields, &wire.Field{Name: f.Name, Type: f.Type, Doc: f.Doc})
	}
	return out
}

func problemsToWire(ps []Problem) []*wire.Problem {
	var out []*wire.Problem
	for _, p := range ps {
		out = append(out, &wire.Problem{Setting: p.Setting, Summary: p.Summary, Detail: p.Detail})
	}
	return out
}

// errorToWire encodes err so that the host can rebuild what callers
// branch on: ErrAuth, ErrListNotFound, ErrUnsupported, *RetryAfterError.
// nil is nil.
func errorToWire(err error) *wire.Error {
	if err == nil {
		return nil
	}
	e := &wire.Error{Message: err.Error()}
	var ra *RetryAfterError
	var tl *wire.TooLargeError
	switch {
	case errors.As(err, &ra):
		e.Code, e.Op, e.RetryAfterMs = wire.Error_CODE_RETRY_AFTER, ra.Op, ra.After.Milliseconds()
		if ra.Err != nil {
			e.Message = ra.Err.Error()
		} else {
			e.Message = ""
		}
	case errors.Is(err, ErrAuth):
		e.Code = wire.Error_CODE_AUTH
	case errors.Is(err, ErrListNotFound):
		e.Code = wire.Error_CODE_LIST_NOT_FOUND
	case errors.Is(err, ErrUnsupported):
		e.Code = wire.Error_CODE_UNSUPPORTED
	case errors.As(err, &tl):
		e.Code = wire.Error_CODE_TOO_LARGE
	}
	return e
}
