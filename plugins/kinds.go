package plugins

import "github.com/sluice-sync/sluice/connectors/sdk"

// kindMask says which interfaces a connection implements.
type kindMask uint8

const (
	hasSource kindMask = 1 << iota
	hasSink
	hasEvents
	hasFeedback
	hasAccount
)

// assemble returns rc as a value implementing exactly the interfaces of
// mask, besides sdk.Conn, so that type assertions on a plugin's
// connection answer as they would in process.
func assemble(rc *remoteConn, mask kindMask) sdk.Conn {
	c, so, si, ev, fb, ac := closer{rc}, source{rc}, sink{rc}, events{rc}, feedback{rc}, account{rc}
	switch mask {
	case hasSource:
		return struct {
			closer
			source
		}{c, so}
	case hasSink:
		return struct {
			closer
			sink
		}{c, si}
	case hasSource | hasSink:
		return struct {
			closer
			source
			sink
		}{c, so, si}
	case hasEvents:
		return struct {
			closer
			events
		}{c, ev}
	case hasSource | hasEvents:
		return struct {
			closer
			source
			events
		}{c, so, ev}
	case hasSink | hasEvents:
		return struct {
			closer
			sink
			events
		}{c, si, ev}
	case hasSource | hasSink | hasEvents:
		return struct {
			closer
			source
			sink
			events
		}{c, so, si, ev}
	case hasFeedback:
		return struct {
			closer
			feedback
		}{c, fb}
	case hasSource | hasFeedback:
		return struct {
			closer
			source
			feedback
		}{c, so, fb}
	case hasSink | hasFeedback:
		return struct {
			closer
			sink
			feedback
		}{c, si, fb}
	case hasSource | hasSink | hasFeedback:
		return struct {
			closer
			source
			sink
			feedback
		}{c, so, si, fb}
	case hasEvents | hasFeedback:
		return struct {
			closer
			events
			feedback
		}{c, ev, fb}
	case hasSource | hasEvents | hasFeedback:
		return struct {
			closer
			source
			events
			feedback
		}{c, so, ev, fb}
	case hasSink | hasEvents | hasFeedback:
		return struct {
			closer
			sink
			events
			feedback
		}{c, si, ev, fb}
	case hasSource | hasSink | hasEvents | hasFeedback:
		return struct {
			closer
			source
			sink
			events
			feedback
		}{c, so, si, ev, fb}
	case hasAccount:
		return struct {
			closer
			account
		}{c, ac}
	case hasSource | hasAccount:
		return struct {
			closer
			source
			account
		}{c, so, ac}
	case hasSink | hasAccount:
		return struct {
			closer
			sink
			account
		}{c, si, ac}
	case hasSource | hasSink | hasAccount:
		return struct {
			closer
			source
			sink
			account
		}{c, so, si, ac}
	case hasEvents | hasAccount:
		return struct {
			closer
			events
			account
		}{c, ev, ac}
	case hasSource | hasEvents | hasAccount:
		return struct {
			closer
			source
			events
			account
		}{c, so, ev, ac}
	case hasSink | hasEvents | hasAccount:
		return struct {
			closer
			sink
			events
			account
		}{c, si, ev, ac}
	case hasSource | hasSink | hasEvents | hasAccount:
		return struct {
			closer
			source
			sink
			events
			account
		}{c, so, si, ev, ac}
	case hasFeedback | hasAccount:
		return struct {
			closer
			feedback
			account
		}{c, fb, ac}
	case hasSource | hasFeedback | hasAccount:
		return struct {
			closer
			source
			feedback
			account
		}{c, so, fb, ac}
	case hasSink | hasFeedback | hasAccount:
		return struct {
			closer
			sink
			feedback
			account
		}{c, si, fb, ac}
	case hasSource | hasSink | hasFeedback | hasAccount:
		return struct {
			closer
			source
			sink
			feedback
			account
		}{c, so, si, fb, ac}
	case hasEvents | hasFeedback | hasAccount:
		return struct {
			closer
			events
			feedback
			account
		}{c, ev, fb, ac}
	case hasSource | hasEvents | hasFeedback | hasAccount:
		return struct {
			closer
			source
			events
			feedback
			account
		}{c, so, ev, fb, ac}
	case hasSink | hasEvents | hasFeedback | hasAccount:
		return struct {
			closer
			sink
			events
			feedback
			account
		}{c, si, ev, fb, ac}
	case hasSource | hasSink | hasEvents | hasFeedback | hasAccount:
		return struct {
			closer
			source
			sink
			events
			feedback
			account
		}{c, so, si, ev, fb, ac}
	}
	return c
}
