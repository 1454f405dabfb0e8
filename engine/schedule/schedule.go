package schedule

import (
	"fmt"
	"time"

	"github.com/sluice-sync/sluice/dsl"
)

// maxDays bounds the search for the next slot: a monthly slot (day 1 to 28)
// recurs within 31 days, a weekly one within 7.
const maxDays = 64

// Next returns when a pipeline with schedule s runs next.
//
// last is the start of the pipeline's last run that counts for the
// schedule, zero when it never ran; for a once schedule, the start of its
// last successful run. now is the current time.
//
//   - A repeating schedule that never ran runs at its first slot at or
//     after now.
//   - One that ran runs at its first slot after last; when that slot has
//     already passed (downtime, or a run that outlasted its interval),
//     Next returns now: one run, however many slots were missed.
//   - A once schedule runs now when it never ran, and never again (the
//     zero time) when it did.
//
// A nil s (a pipeline without a schedule) never runs: Next returns the
// zero time.
func Next(s *dsl.Schedule, last, now time.Time) time.Time {
	if s == nil {
		return time.Time{}
	}
	if s.Repeat == dsl.RepeatOnce {
		if last.IsZero() {
			return now
		}
		return time.Time{}
	}
	if last.IsZero() {
		return From(s, now)
	}
	n := After(s, last)
	if n.IsZero() || n.After(now) {
		return n
	}
	return now
}

// After returns the first slot of s strictly after t, or the zero time for
// a once schedule (which has no slots).
func After(s *dsl.Schedule, t time.Time) time.Time {
	return From(s, t.Add(time.Nanosecond))
}

// From returns the first slot of s at or after t, or the zero time for a
// once schedule (which has no slots).
func From(s *dsl.Schedule, t time.Time) time.Time {
	if s == nil || s.Repeat == dsl.RepeatOnce {
		return time.Time{}
	}
	loc := location(s)
	lt := t.In(loc)
	// Start a day early: a slot moved by a daylight-saving jump may fall
	// on the instant of an earlier local date.
	y, m, d := lt.Date()
	day := time.Date(y, m, d-1, 12, 0, 0, 0, time.UTC)
	for i := 0; i < maxDays; i++ {
		y, m, d := day.Date()
		if matches(s, y, m, d) {
			if at := Local(y, m, d, s.Hour, s.Minute, loc); !at.Before(t) {
				return at
			}
		}
		day = day.AddDate(0, 0, 1)
	}
	return time.Time{} // unreachable for a valid schedule
}

// matches reports whether s has a slot on the local date y-m-d.
func matches(s *dsl.Schedule, y int, m time.Month, d int) bool {
	switch s.Repeat {
	case dsl.RepeatDaily:
		return true
	case dsl.RepeatWeekly:
		return time.Date(y, m, d, 12, 0, 0, 0, time.UTC).Weekday() == s.Weekday
	case dsl.RepeatMonthly:
		return d == s.Day
	}
	return false
}

func location(s *dsl.Schedule) *time.Location {
	if s.Location == nil {
		return time.UTC
	}
	return s.Location
}

// Local returns the instant at which the wall clocks of loc show hour:min
// on the date y-m-d.
//
// When the zone skips that time (daylight saving starts), it returns the
// next valid instant: the moment of the jump. When the zone goes through
// that time twice (daylight saving ends), it returns the first of the two.
// time.Date leaves both cases unspecified.
func Local(y int, m time.Month, d, hour, min int, loc *time.Location) time.Time {
	wall := time.Date(y, m, d, hour, min, 0, 0, time.UTC)
	// The offsets in force a day either side of the date: a zone changes
	// its offset at most once in that span.
	_, before := wall.Add(-24 * time.Hour).In(loc).Zone()
	_, after := wall.Add(24 * time.Hour).In(loc).Zone()
	var first time.Time
	for _, off := range []int{before, after} {
		t := wall.Add(-time.Duration(off) * time.Second)
		if sameWall(t.In(loc), wall) && (first.IsZero() || t.Before(first)) {
			first = t
		}
	}
	if !first.IsZero() {
		return first
	}
	// Skipped: read with the offset from before the jump, the wall time is
	// past the jump; the jump is where the zone now in force starts.
	t := wall.Add(-time.Duration(before) * time.Second).In(loc)
	start, _ := t.ZoneBounds()
	if start.IsZero() {
		return t
	}
	return start
}

func sameWall(t, wall time.Time) bool {
	y1, m1, d1 := t.Date()
	y2, m2, d2 := wall.Date()
	return y1 == y2 && m1 == m2 && d1 == d2 && t.Hour() == wall.Hour() && t.Minute() == wall.Minute()
}

// Describe renders s for people: "weekly on monday at 09:30 Asia/Tokyo",
// "once". A nil s is "manual" (run only when asked).
func Describe(s *dsl.Schedule) string {
	if s == nil {
		return "manual"
	}
	at := fmt.Sprintf("at %02d:%02d %s", s.Hour, s.Minute, location(s))
	switch s.Repeat {
	case dsl.RepeatOnce:
		return "once"
	case dsl.RepeatDaily:
		return "daily " + at
	case dsl.RepeatWeekly:
		return fmt.Sprintf("weekly on %s %s", lowerWeekday(s.Weekday), at)
	case dsl.RepeatMonthly:
		return fmt.Sprintf("monthly on day %d %s", s.Day, at)
	}
	return s.Repeat.String()
}

func lowerWeekday(w time.Weekday) string {
	name := w.String()
	return string(name[0]+'a'-'A') + name[1:]
}
