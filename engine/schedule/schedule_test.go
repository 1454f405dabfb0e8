package schedule_test

import (
	"testing"
	"time"

	"github.com/sluice-sync/sluice/dsl"
	"github.com/sluice-sync/sluice/engine/schedule"
)

func zone(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation(name)
	if err != nil {
		t.Fatalf("time zone %s: %v", name, err)
	}
	return loc
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func daily(hour, min int, loc *time.Location) *dsl.Schedule {
	return &dsl.Schedule{Repeat: dsl.RepeatDaily, Hour: hour, Minute: min, Location: loc}
}

// TestSlots follows each kind of schedule from a start, slot after slot,
// across daylight-saving changes: a skipped local time runs at the jump,
// a repeated one runs once.
func TestSlots(t *testing.T) {
	ny, london, tokyo := zone(t, "America/New_York"), zone(t, "Europe/London"), zone(t, "Asia/Tokyo")
	tests := []struct {
		name  string
		s     *dsl.Schedule
		start time.Time // the first slot is the first at or after it
		want  []string  // UTC instants, in order
	}{
		{
			name: "daily UTC", s: daily(9, 0, time.UTC), start: utc("2026-05-01T09:00:00Z"),
			want: []string{"2026-05-01T09:00:00Z", "2026-05-02T09:00:00Z", "2026-05-03T09:00:00Z"},
		},
		{
			name: "weekly Asia/Tokyo",
			s:    &dsl.Schedule{Repeat: dsl.RepeatWeekly, Hour: 9, Minute: 30, Weekday: time.Monday, Location: tokyo},
			// Sunday 2026-03-01 in Tokyo: the first slot is Monday 09:30 JST.
			start: utc("2026-03-01T00:00:00Z"),
			want:  []string{"2026-03-02T00:30:00Z", "2026-03-09T00:30:00Z", "2026-03-16T00:30:00Z"},
		},
		{
			name: "monthly on day 28", s: &dsl.Schedule{Repeat: dsl.RepeatMonthly, Hour: 23, Minute: 0, Day: 28, Location: time.UTC},
			start: utc("2026-01-28T23:00:01Z"),
			// February of a common year, then of a leap year: day 28 every month.
			want: []string{"2026-02-28T23:00:00Z", "2026-03-28T23:00:00Z", "2026-04-28T23:00:00Z"},
		},
		{
			name: "monthly on day 28 of a leap year", s: &dsl.Schedule{Repeat: dsl.RepeatMonthly, Hour: 6, Minute: 15, Day: 28, Location: ny},
			start: utc("2028-02-01T00:00:00Z"),
			want:  []string{"2028-02-28T11:15:00Z", "2028-03-28T10:15:00Z"}, // EST, then EDT
		},
		{
			name: "New York daily 02:30 when daylight saving starts",
			s:    daily(2, 30, ny), start: utc("2026-03-07T00:00:00Z"),
			// 2026-03-08 02:30 does not exist: the clocks jump from 02:00 EST to 03:00 EDT.
			want: []string{"2026-03-07T07:30:00Z", "2026-03-08T07:00:00Z", "2026-03-09T06:30:00Z"},
		},
		{
			name: "New York daily 01:30 when daylight saving ends",
			s:    daily(1, 30, ny), start: utc("2026-10-31T00:00:00Z"),
			// 2026-11-01 01:30 happens at 05:30Z (EDT) and 06:30Z (EST): one run, the first.
			want: []string{"2026-10-31T05:30:00Z", "2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"},
		},
		{
			name:  "New York weekly on sunday 02:00 across both changes",
			s:     &dsl.Schedule{Repeat: dsl.RepeatWeekly, Hour: 2, Minute: 0, Weekday: time.Sunday, Location: ny},
			start: utc("2026-03-01T00:00:00Z"),
			// 03-08 02:00 is the jump itself (03:00 EDT).
			want: []string{"2026-03-01T07:00:00Z", "2026-03-08T07:00:00Z", "2026-03-15T06:00:00Z"},
		},
		{
			name: "London daily 01:30 when summer time starts",
			s:    daily(1, 30, london), start: utc("2026-03-28T00:00:00Z"),
			// 2026-03-29 01:30 does not exist: 01:00 GMT becomes 02:00 BST.
			want: []string{"2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"},
		},
		{
			name: "London daily 01:30 when summer time ends",
			s:    daily(1, 30, london), start: utc("2026-10-24T00:00:00Z"),
			// 2026-10-25 01:30 happens at 00:30Z (BST) and 01:30Z (GMT): one run, the first.
			want: []string{"2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"},
		},
		{
			name:  "London monthly across the end of summer time",
			s:     &dsl.Schedule{Repeat: dsl.RepeatMonthly, Hour: 1, Minute: 30, Day: 25, Location: london},
			start: utc("2026-09-01T00:00:00Z"),
			want:  []string{"2026-09-25T00:30:00Z", "2026-10-25T00:30:00Z", "2026-11-25T01:30:00Z"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			at := schedule.From(tc.s, tc.start)
			for i, w := range tc.want {
				if i > 0 {
					at = schedule.After(tc.s, at)
				}
				if !at.Equal(utc(w)) {
					t.Fatalf("slot %d: %s (%s), want %s", i, at.UTC().Format(time.RFC3339), at.In(tc.s.Location), w)
				}
			}
		})
	}
}

// TestRepeatedTimeRunsOnce checks that from anywhere inside the hour a
// zone repeats, the next slot is the next day's: the second occurrence of
// the local time is never a slot.
func TestRepeatedTimeRunsOnce(t *testing.T) {
	ny := zone(t, "America/New_York")
	s := daily(1, 30, ny)
	for _, after := range []string{"2026-11-01T05:30:00Z", "2026-11-01T06:00:00Z", "2026-11-01T06:29:00Z", "2026-11-01T06:30:00Z"} {
		if got, want := schedule.After(s, utc(after)), utc("2026-11-02T06:30:00Z"); !got.Equal(want) {
			t.Errorf("after %s: %s, want %s", after, got.UTC().Format(time.RFC3339), want.Format(time.RFC3339))
		}
	}
}

func TestLocal(t *testing.T) {
	ny, london := zone(t, "America/New_York"), zone(t, "Europe/London")
	tests := []struct {
		name string
		y    int
		m    time.Month
		d, h int
		min  int
		loc  *time.Location
		want string
	}{
		{"plain", 2026, 6, 1, 9, 30, ny, "2026-06-01T13:30:00Z"},
		{"skipped New York", 2026, 3, 8, 2, 0, ny, "2026-03-08T07:00:00Z"},
		{"skipped New York 02:59", 2026, 3, 8, 2, 59, ny, "2026-03-08T07:00:00Z"},
		{"first valid after the jump", 2026, 3, 8, 3, 0, ny, "2026-03-08T07:00:00Z"},
		{"repeated New York", 2026, 11, 1, 1, 0, ny, "2026-11-01T05:00:00Z"},
		{"skipped London", 2026, 3, 29, 1, 0, london, "2026-03-29T01:00:00Z"},
		{"repeated London", 2026, 10, 25, 1, 59, london, "2026-10-25T00:59:00Z"},
		{"after the repeat London", 2026, 10, 25, 2, 0, london, "2026-10-25T02:00:00Z"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := schedule.Local(tc.y, tc.m, tc.d, tc.h, tc.min, tc.loc); !got.Equal(utc(tc.want)) {
				t.Errorf("got %s, want %s", got.UTC().Format(time.RFC3339), tc.want)
			}
		})
	}
}

// TestNext covers what the daemon asks: the first run, a run after
// downtime (once, however many slots were missed), a run that outlasted
// its interval, and once schedules.
func TestNext(t *testing.T) {
	s := daily(9, 0, time.UTC)
	once := &dsl.Schedule{Repeat: dsl.RepeatOnce, Location: time.UTC}
	tests := []struct {
		name      string
		s         *dsl.Schedule
		last, now string
		want      string // "" for never
	}{
		{"never ran: the next slot", s, "", "2026-05-01T08:00:00Z", "2026-05-01T09:00:00Z"},
		{"never ran, on a slot: that slot", s, "", "2026-05-01T09:00:00Z", "2026-05-01T09:00:00Z"},
		{"never ran, after today's slot: tomorrow", s, "", "2026-05-01T09:01:00Z", "2026-05-02T09:00:00Z"},
		{"ran today: tomorrow", s, "2026-05-01T09:00:00Z", "2026-05-01T09:05:00Z", "2026-05-02T09:00:00Z"},
		{"down for three days: once, now", s, "2026-05-01T09:00:00Z", "2026-05-04T12:00:00Z", "2026-05-04T12:00:00Z"},
		{"after the catch-up run: the next slot", s, "2026-05-04T12:00:00Z", "2026-05-04T12:30:00Z", "2026-05-05T09:00:00Z"},
		{"a run that outlasted two slots: one more, now", s, "2026-05-01T09:00:00Z", "2026-05-03T10:00:00Z", "2026-05-03T10:00:00Z"},
		{"once, never ran: now", once, "", "2026-05-01T08:00:00Z", "2026-05-01T08:00:00Z"},
		{"once, ran: never", once, "2026-05-01T08:00:00Z", "2026-05-09T08:00:00Z", ""},
		{"no schedule: never", nil, "", "2026-05-01T08:00:00Z", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var last time.Time
			if tc.last != "" {
				last = utc(tc.last)
			}
			got := schedule.Next(tc.s, last, utc(tc.now))
			if tc.want == "" {
				if !got.IsZero() {
					t.Errorf("got %s, want never", got.Format(time.RFC3339))
				}
				return
			}
			if !got.Equal(utc(tc.want)) {
				t.Errorf("got %s, want %s", got.UTC().Format(time.RFC3339), tc.want)
			}
		})
	}
}

// TestMissedRunsAfterDowntime walks a weekly schedule through a long
// downtime: the runs made are one at restart, then one per slot.
func TestMissedRunsAfterDowntime(t *testing.T) {
	london := zone(t, "Europe/London")
	s := &dsl.Schedule{Repeat: dsl.RepeatWeekly, Hour: 1, Minute: 30, Weekday: time.Sunday, Location: london}
	last := utc("2026-03-01T01:30:00Z") // a Sunday, GMT
	restart := utc("2026-04-15T10:00:00Z")
	var runs []time.Time
	now := restart
	for now.Before(utc("2026-05-01T00:00:00Z")) {
		next := schedule.Next(s, last, now)
		if next.After(now) {
			now = next
		}
		runs = append(runs, now)
		last = now
	}
	want := []string{"2026-04-15T10:00:00Z", "2026-04-19T00:30:00Z", "2026-04-26T00:30:00Z", "2026-05-03T00:30:00Z"}
	if len(runs) != len(want) {
		t.Fatalf("runs %v, want %v", runs, want)
	}
	for i, w := range want {
		if !runs[i].Equal(utc(w)) {
			t.Errorf("run %d at %s, want %s", i, runs[i].Format(time.RFC3339), w)
		}
	}
}

func TestDescribe(t *testing.T) {
	tokyo := zone(t, "Asia/Tokyo")
	tests := []struct {
		s    *dsl.Schedule
		want string
	}{
		{nil, "manual"},
		{&dsl.Schedule{Repeat: dsl.RepeatOnce}, "once"},
		{daily(7, 5, time.UTC), "daily at 07:05 UTC"},
		{&dsl.Schedule{Repeat: dsl.RepeatWeekly, Hour: 9, Minute: 30, Weekday: time.Monday, Location: tokyo}, "weekly on monday at 09:30 Asia/Tokyo"},
		{&dsl.Schedule{Repeat: dsl.RepeatMonthly, Hour: 23, Day: 28, Location: time.UTC}, "monthly on day 28 at 23:00 UTC"},
	}
	for _, tc := range tests {
		if got := schedule.Describe(tc.s); got != tc.want {
			t.Errorf("Describe: %q, want %q", got, tc.want)
		}
	}
}
