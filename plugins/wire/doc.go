// Package wire is the wire protocol between sluice and its connector
// plugins, sluice.connector.v1: the gRPC service and messages generated
// from connector.proto, go-plugin's handshake, the message size limits,
// and the framing of Arrow record batches as FlightData messages.
//
// It is shared by the two ends of the boundary, the host (package
// plugins) and the plugin side (connectors/sdk.Serve), and by nothing
// else: engine code never imports it, and connector authors use
// connectors/sdk. It promises no stability beyond the protocol itself:
// what crosses the process boundary is versioned by the protocol's major
// and minor numbers, not by this package's Go API.
package wire
