package wire

import (
	"context"
	"os"
	"strconv"

	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

// ProtocolMajor is the major version of the protocol this package speaks:
// the key of go-plugin's VersionedPlugins. A host offers every major it
// speaks and go-plugin settles on the highest both ends share.
const ProtocolMajor = 1

// ProtocolMinor is the minor version, announced in GetInfo. Minor
// versions only add to the protocol.
const ProtocolMinor = 0

// Handshake is go-plugin's handshake. The cookie tells a binary that it
// was started by sluice as a connector plugin (and not by a person, nor by
// another go-plugin host); it is not a secret.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolMajor,
	MagicCookieKey:   "SLUICE_CONNECTOR_PLUGIN",
	MagicCookieValue: "7c4fd8a2e0b94b1d9d3e6f52a8c01b77",
}

// PluginName is the name of the connector service in go-plugin's plugin
// set.
const PluginName = "connector"

// DefaultMaxMessageBytes bounds each gRPC message, in both directions and
// on both ends (go-plugin raises only the host's receive limit, and gRPC's
// own default of 4 MiB is too small for a batch of 64k rows).
const DefaultMaxMessageBytes = 64 << 20

// DefaultWriteWindow is how many Write commits a plugin accepts before
// answering the first.
const DefaultWriteWindow = 4

// Environment variables the host sets for a plugin.
const (
	// EnvMaxMessageBytes carries the message size limit, in bytes.
	EnvMaxMessageBytes = "SLUICE_PLUGIN_MAX_MESSAGE_BYTES"
	// EnvParentPipe, set to "stdin", says the plugin's standard input is a
	// pipe whose other end only the host holds: its end of file means the
	// host is gone, and the plugin exits.
	EnvParentPipe = "SLUICE_PLUGIN_PARENT_PIPE"
)

// MaxMessageBytes returns the message size limit a plugin was started
// with, or DefaultMaxMessageBytes.
func MaxMessageBytes() int {
	if n, err := strconv.Atoi(os.Getenv(EnvMaxMessageBytes)); err == nil && n > 0 {
		return n
	}
	return DefaultMaxMessageBytes
}

// ServerOptions are the gRPC server options of a plugin with the given
// message size limit.
func ServerOptions(limit int) []grpc.ServerOption {
	return []grpc.ServerOption{grpc.MaxRecvMsgSize(limit), grpc.MaxSendMsgSize(limit),
		grpc.InitialWindowSize(window), grpc.InitialConnWindowSize(window),
		grpc.WriteBufferSize(ioBuffer), grpc.ReadBufferSize(ioBuffer)}
}

// Flow control windows and socket buffers sized for batches of many
// thousand rows: a window smaller than a batch stalls the stream.
const (
	window   = 16 << 20
	ioBuffer = 256 << 10
)

// DialOptions are the host's gRPC dial options for the given message size
// limit. They come after go-plugin's own, and so replace its limits.
func DialOptions(limit int) []grpc.DialOption {
	return []grpc.DialOption{grpc.WithDefaultCallOptions(grpc.MaxCallRecvMsgSize(limit), grpc.MaxCallSendMsgSize(limit)),
		grpc.WithInitialWindowSize(window), grpc.WithInitialConnWindowSize(window),
		grpc.WithWriteBufferSize(ioBuffer), grpc.WithReadBufferSize(ioBuffer)}
}

// Plugin is the go-plugin glue of the connector service: the plugin side
// sets Impl; the host side gets a ConnectorClient.
type Plugin struct {
	plugin.NetRPCUnsupportedPlugin
	Impl ConnectorServer
}

// GRPCServer registers the connector service.
func (p *Plugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	RegisterConnectorServer(s, p.Impl)
	return nil
}

// GRPCClient returns a ConnectorClient on the plugin's connection.
func (p *Plugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, cc *grpc.ClientConn) (any, error) {
	return NewConnectorClient(cc), nil
}
