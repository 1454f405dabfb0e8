package sdk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"

	"github.com/sluice-sync/sluice/plugins/wire"
)

// ErrNotPlugin is returned by Serve in a process that sluice did not start
// as a plugin: a plugin binary is run by sluice, from a `plugin` block,
// not by hand.
var ErrNotPlugin = errors.New("this program is a sluice connector plugin: sluice starts it from a plugin block; it is not run by hand")

// Serve serves connectors to the sluice process that started this one,
// over the plugin protocol, and returns when sluice ends the plugin. It is
// all a plugin's main function calls:
//
//	func main() {
//		if err := sdk.Serve(stations.New()); err != nil {
//			fmt.Fprintln(os.Stderr, err)
//			os.Exit(1)
//		}
//	}
//
// Serve writes go-plugin's handshake to standard output, which must carry
// nothing else. A connector logs with the log package, which writes
// straight to standard error, whose last lines sluice shows when the
// plugin fails (while Serve runs, os.Stderr itself is a pipe relayed to
// sluice, which a crash may cut short). The plugin exits when sluice does,
// even when sluice is killed. Connections still open when Serve returns
// are closed.
//
// A connection's methods may be called concurrently for different
// requests, as in process. Each connector's name must be unique.
func Serve(cs ...Connector) error {
	if os.Getenv(wire.Handshake.MagicCookieKey) != wire.Handshake.MagicCookieValue {
		return ErrNotPlugin
	}
	srv, err := newServer(cs, wire.MaxMessageBytes())
	if err != nil {
		return err
	}
	logger := hclog.New(&hclog.LoggerOptions{Name: "plugin", Level: hclog.Error, Output: os.Stderr})
	watchParent(func() {
		srv.closeAll(5 * time.Second)
		os.Exit(3)
	})
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: wire.Handshake,
		VersionedPlugins: map[int]plugin.PluginSet{
			wire.ProtocolMajor: {wire.PluginName: &wire.Plugin{Impl: srv}},
		},
		GRPCServer: func(opts []grpc.ServerOption) *grpc.Server {
			return grpc.NewServer(append(opts, wire.ServerOptions(srv.limit)...)...)
		},
		Logger: logger,
	})
	srv.closeAll(5 * time.Second)
	return nil
}

// watchParent calls gone once the process that started this one is gone:
// when the standard input the host holds open reaches its end, or (on
// Unix) when this process is handed to another parent.
func watchParent(gone func()) {
	if os.Getenv(wire.EnvParentPipe) == "stdin" {
		go func() {
			io.Copy(io.Discard, os.Stdin)
			gone()
		}()
	}
	watchParentProcess(gone)
}

// server is the plugin side of the protocol: it answers the host's calls
// with the connectors it serves.
type server struct {
	wire.UnimplementedConnectorServer
	byName map[string]Connector
	order  []Connector
	limit  int

	mu    sync.Mutex
	conns map[uint64]Conn
	next  uint64
}

func newServer(cs []Connector, limit int) (*server, error) {
	if len(cs) == 0 {
		return nil, errors.New("sdk.Serve: no connector to serve")
	}
	s := &server{byName: map[string]Connector{}, limit: limit, conns: map[uint64]Conn{}}
	for _, c := range cs {
		name := c.Info().Name
		if name == "" {
			return nil, errors.New("sdk.Serve: a connector has no name")
		}
		if _, dup := s.byName[name]; dup {
			return nil, fmt.Errorf("sdk.Serve: two connectors are named %q", name)
		}
		s.byName[name] = c
		s.order = append(s.order, c)
	}
	return s, nil
}

// closeAll closes the open connections, waiting at most d for them.
func (s *server) closeAll(d time.Duration) {
	s.mu.Lock()
	conns := s.conns
	s.conns = map[uint64]Conn{}
	s.mu.Unlock()
	done := make(chan struct{})
	go func() {
		for _, c := range conns {
			c.Close()
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(d):
	}
}

func (s *server) conn(id uint64) (Conn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.conns[id]
	if !ok {
		return nil, fmt.Errorf("no open connection %d", id)
	}
	return c, nil
}

func (s *server) connector(name string) (Connector, error) {
	c, ok := s.byName[name]
	if !ok {
		return nil, fmt.Errorf("the plugin has no connector %q", name)
	}
	return c, nil
}

func (s *server) GetInfo(ctx context.Context, req *wire.GetInfoRequest) (*wire.GetInfoResponse, error) {
	resp := &wire.GetInfoResponse{
		ProtocolMinor: wire.ProtocolMinor,
		Limits:        &wire.Limits{MaxMessageBytes: int64(s.limit), WriteWindow: wire.DefaultWriteWindow},
	}
	for _, c := range s.order {
		ci, err := infoToWire(c.Info())
		if err != nil {
			return nil, err
		}
		resp.Connectors = append(resp.Connectors, ci)
	}
	return resp, nil
}

func (s *server) Validate(ctx context.Context, req *wire.ValidateRequest) (*wire.ValidateResponse, error) {
	c, err := s.connector(req.Connector)
	if err != nil {
		return nil, err
	}
	resp := &wire.ValidateResponse{}
	if v, ok := c.(SettingsValidator); ok {
		resp.Problems = problemsToWire(v.ValidateSettings(Settings(wire.GoValues(req.Settings))))
	}
	return resp, nil
}

func (s *server) Configure(ctx context.Context, req *wire.ConfigureRequest) (*wire.ConfigureResponse, error) {
	c, err := s.connector(req.Connector)
	if err != nil {
		return nil, err
	}
	info := c.Info()
	settings, problems := CheckSettings(info, Settings(wire.GoValues(req.Settings)))
	if len(problems) > 0 {
		return &wire.ConfigureResponse{Problems: problemsToWire(problems)}, nil
	}
	conn, err := c.Open(ctx, OpenRequest{Settings: settings})
	if err != nil {
		return &wire.ConfigureResponse{Error: errorToWire(err)}, nil
	}
	resp := &wire.ConfigureResponse{}
	if _, ok := conn.(Source); ok && info.Offers(KindSource) {
		resp.Interfaces = append(resp.Interfaces, wire.Interface_INTERFACE_SOURCE)
	}
	if _, ok := conn.(Sink); ok && info.Offers(KindSink) {
		resp.Interfaces = append(resp.Interfaces, wire.Interface_INTERFACE_SINK)
	}
	if _, ok := conn.(EventSource); ok && info.Offers(KindEvents) {
		resp.Interfaces = append(resp.Interfaces, wire.Interface_INTERFACE_EVENT_SOURCE)
	}
	if _, ok := conn.(FeedbackTarget); ok && info.Offers(KindFeedback) {
		resp.Interfaces = append(resp.Interfaces, wire.Interface_INTERFACE_FEEDBACK_TARGET)
	}
	if _, ok := conn.(AccountReporter); ok {
		resp.Interfaces = append(resp.Interfaces, wire.Interface_INTERFACE_ACCOUNT_REPORTER)
	}
	s.mu.Lock()
	s.next++
	resp.Connection = s.next
	s.conns[s.next] = conn
	s.mu.Unlock()
	return resp, nil
}

func (s *server) Close(ctx context.Context, req *wire.CloseRequest) (*wire.CloseResponse, error) {
	s.mu.Lock()
	c, ok := s.conns[req.Connection]
	delete(s.conns, req.Connection)
	s.mu.Unlock()
	if !ok {
		return &wire.CloseResponse{}, nil // closing twice is harmless
	}
	return &wire.CloseResponse{Error: errorToWire(c.Close())}, nil
}

func (s *server) Account(ctx context.Context, req *wire.AccountRequest) (*wire.AccountResponse, error) {
	c, err := s.conn(req.Connection)
	if err != nil {
		return nil, err
	}
	a, ok := c.(AccountReporter)
	if !ok {
		return &wire.AccountResponse{Error: errorToWire(unsupported("naming the account"))}, nil
	}
	name, err := a.Account(ctx)
	return &wire.AccountResponse{Account: name, Error: errorToWire(err)}, nil
}

func (s *server) Discover(ctx context.Context, req *wire.DiscoverRequest) (*wire.DiscoverResponse, error) {
	c, err := s.conn(req.Connection)
	if err != nil {
		return nil, err
	}
	src, ok := c.(Source)
	if !ok {
		return &wire.DiscoverResponse{Error: errorToWire(unsupported("reading"))}, nil
	}
	d, err := src.Discover(ctx, DiscoverRequest{Stream: req.Stream})
	if err != nil {
		return &wire.DiscoverResponse{Error: errorToWire(err)}, nil
	}
	resp := &wire.DiscoverResponse{}
	for _, st := range d.Streams {
		if st.Schema == nil {
			return nil, fmt.Errorf("stream %q has no schema", st.Name)
		}
		resp.Streams = append(resp.Streams, &wire.Stream{
			Name: st.Name, Schema: wire.EncodeSchema(st.Schema), IdField: st.IDField,
			CursorField: st.CursorField, Views: st.Views, Tombstones: st.Tombstones,
		})
	}
	return resp, nil
}

func (s *server) Describe(ctx context.Context, req *wire.DescribeRequest) (*wire.DescribeResponse, error) {
	c, err := s.conn(req.Connection)
	if err != nil {
		return nil, err
	}
	sink, ok := c.(Sink)
	if !ok {
		return &wire.DescribeResponse{Error: errorToWire(unsupported("writing"))}, nil
	}
	si, err := sink.Describe(ctx, DescribeRequest{List: req.List})
	if err != nil {
		return &wire.DescribeResponse{Error: errorToWire(err)}, nil
	}
	return &wire.DescribeResponse{Info: sinkInfoToWire(si)}, nil
}

// unsupported is the error of a call of a kind the connection does not
// implement.
func unsupported(what string) error {
	return fmt.Errorf("%s: %w", what, ErrUnsupported)
}
