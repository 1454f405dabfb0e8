// Package schedule computes when a pipeline's `schedule` runs next: once,
// or daily, weekly or monthly at a local time of day in an IANA time zone.
//
// The rules:
//
//   - A slot is one local date's run time. A local time that the zone
//     skips (the hour clocks jump over when daylight saving starts) runs at
//     the next valid instant, the moment of the jump; a local time that
//     the zone repeats (the hour clocks go through twice when it ends) runs
//     once, at its first occurrence.
//   - After downtime, however many slots were missed, the pipeline runs
//     once, at once; then the slots resume. A run that outlasts its
//     interval is never overlapped: the slots passed while it ran make one
//     more run as soon as it ends.
//   - A once schedule runs as soon as it can, until a run of it succeeds.
//
// Next is the entry point. It is a pure function of the schedule, the
// start of the last run and the current time; Clock lets the scheduler
// daemon (engine.Daemon) be driven by a fake clock in tests
// (scheduletest.Clock).
//
// What this package is not: it runs nothing, and keeps no state. What
// counts as the last run is the daemon's decision, from the state's run log.
package schedule
