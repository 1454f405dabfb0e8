// Package connectortest helps test connectors and what uses them. It holds
// in-memory connectors with a fixed schema (an applicant tracking system's
// modules, an email-marketing sink) that record what is written to them,
// for tests of the language and the engine that need no files or servers.
package connectortest
