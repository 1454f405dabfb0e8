// Package plugins is the host side of connector plugins: it starts a
// plugin binary, talks to it over the wire protocol (package wire) and
// offers its connectors as sdk.Connector values, which the language and
// the engine use exactly as they use built-in connectors.
//
// The entry point is Start. A plugin runs over go-plugin with gRPC only
// and mutual TLS, with sluice's own handshake cookie; the host offers
// every protocol major it speaks. The binary is verified against its
// pinned sha256 and runs from a private copy; it gets an explicit, small
// environment, not the host's, and receives settings only through
// ValidateSettings and Open. It dies with the host. When it crashes,
// exits or breaks the protocol, the error names the plugin and connector
// and ends with the last lines of its standard error.
//
// It is not the plugin side: a plugin's main calls connectors/sdk.Serve.
package plugins
