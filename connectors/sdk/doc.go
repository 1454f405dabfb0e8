// Package sdk is what a connector author imports: the interfaces a source,
// a sink, an event source (campaign feedback) and a feedback target
// implement, the settings spec every connector declares once, and helpers.
//
// It is the only package of this module that promises stability. The same
// interfaces serve built-in connectors, which run in the sluice process, and
// plugin connectors, which run in their own process behind the plugin host;
// the engine cannot tell them apart.
//
// A connector is a value implementing Connector. Info describes it without
// any I/O: its name, the kinds it offers and the settings it accepts. Open
// receives the validated settings and returns a Conn, which implements the
// interfaces for the kinds the connector declared (Source, Sink, EventSource,
// FeedbackTarget).
//
// Ownership of Arrow data: a RecordBatch passed to a callback or method is
// owned by the caller for the duration of the call; a callee that keeps it
// after returning must Retain it (and later Release it).
package sdk
