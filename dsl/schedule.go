package dsl

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/hashicorp/hcl/v2"
)

// Repeat is how often a schedule runs.
type Repeat uint8

const (
	RepeatOnce Repeat = iota + 1
	RepeatDaily
	RepeatWeekly
	RepeatMonthly
)

func (r Repeat) String() string {
	switch r {
	case RepeatOnce:
		return "once"
	case RepeatDaily:
		return "daily"
	case RepeatWeekly:
		return "weekly"
	case RepeatMonthly:
		return "monthly"
	}
	return fmt.Sprintf("Repeat(%d)", uint8(r))
}

// Schedule is a pipeline's `schedule` block.
type Schedule struct {
	Repeat    Repeat
	Hour      int // local time of day
	Minute    int
	Weekday   time.Weekday // weekly
	Day       int          // monthly: 1-28
	Location  *time.Location
	TimeZone  string // the IANA name as written
	DeclRange hcl.Range
}

var scheduleSchema = &hcl.BodySchema{
	Attributes: []hcl.AttributeSchema{
		{Name: "repeat", Required: true}, {Name: "at"}, {Name: "on"}, {Name: "timezone"},
	},
}

var weekdays = []string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

func (d *decoder) decodeSchedule(b *hcl.Block) *Schedule {
	content, diags := d.content(b.Body, scheduleSchema)
	d.add(diags...)
	s := &Schedule{DeclRange: b.DefRange, Location: time.UTC, TimeZone: "UTC"}
	if a := content.Attributes["repeat"]; a != nil {
		v, ok := d.enum(a, "once", "daily", "weekly", "monthly")
		if !ok {
			return nil
		}
		s.Repeat = map[string]Repeat{"once": RepeatOnce, "daily": RepeatDaily, "weekly": RepeatWeekly, "monthly": RepeatMonthly}[v]
	} else {
		return nil
	}
	at := content.Attributes["at"]
	if at != nil {
		if v, ok := d.str(at); ok {
			h, m, ok := parseClock(v)
			if !ok {
				d.errorf(at.Expr.Range(), "Invalid time of day", "at is a local time of day from \"00:00\" to \"23:59\", not %q.", v)
			}
			s.Hour, s.Minute = h, m
		}
	} else if s.Repeat != RepeatOnce {
		d.errorf(b.DefRange, "Missing time of day", "A %s schedule needs at = \"HH:MM\", the local time it runs.", s.Repeat)
	}
	on := content.Attributes["on"]
	switch s.Repeat {
	case RepeatWeekly:
		if on == nil {
			d.errorf(b.DefRange, "Missing weekday", "A weekly schedule needs on = a weekday, such as \"monday\".")
			break
		}
		if v, ok := d.str(on); ok {
			lv := strings.ToLower(v)
			found := false
			for i, w := range weekdays {
				if lv == w || (len(lv) == 3 && strings.HasPrefix(w, lv)) {
					s.Weekday, found = time.Weekday(i), true
				}
			}
			if !found {
				d.errorf(on.Expr.Range(), "Invalid weekday", "%q is not a weekday: use one of \"monday\" … \"sunday\".%s", v, DidYouMean(lv, weekdays))
			}
		}
	case RepeatMonthly:
		if on == nil {
			d.errorf(b.DefRange, "Missing day of the month", "A monthly schedule needs on = a day of the month from 1 to 28.")
			break
		}
		val, ok := d.evalPublic(on.Expr, "on")
		if !ok || !val.IsKnown() {
			break
		}
		day := -1
		if !val.IsNull() && val.IsKnown() {
			switch val.Type().FriendlyName() {
			case "number":
				if val.AsBigFloat().IsInt() {
					n, _ := val.AsBigFloat().Int64()
					day = int(n)
				}
			case "string":
				if n, err := strconv.Atoi(val.AsString()); err == nil {
					day = n
				}
			}
		}
		if day < 1 || day > 28 {
			d.errorf(on.Expr.Range(), "Invalid day of the month", "A monthly schedule runs on a day from 1 to 28, which every month has. For the end of a month, use 28.")
		} else {
			s.Day = day
		}
	default:
		if on != nil {
			d.errorf(on.Expr.Range(), "Unexpected on", "on applies only to weekly (a weekday) and monthly (a day of the month) schedules, not %s.", s.Repeat)
		}
	}
	if a := content.Attributes["timezone"]; a != nil {
		if loc, ok := d.timezone(a); ok {
			s.Location, s.TimeZone = loc, loc.String()
		}
	}
	return s
}

// parseClock parses "HH:MM" (24-hour).
func parseClock(s string) (int, int, bool) {
	if len(s) != 5 || s[2] != ':' {
		return 0, 0, false
	}
	h, err1 := strconv.Atoi(s[:2])
	m, err2 := strconv.Atoi(s[3:])
	if err1 != nil || err2 != nil || h < 0 || h > 23 || m < 0 || m > 59 {
		return 0, 0, false
	}
	return h, m, true
}

// timezone reads an IANA time zone name.
func (d *decoder) timezone(a *hcl.Attribute) (*time.Location, bool) {
	v, ok := d.str(a)
	if !ok {
		return nil, false
	}
	if v == "" || v == "Local" {
		d.errorf(a.Expr.Range(), "Unknown time zone", "timezone is an IANA time zone name such as \"Asia/Tokyo\" or \"UTC\".")
		return nil, false
	}
	loc, err := time.LoadLocation(v)
	if err != nil {
		d.errorf(a.Expr.Range(), "Unknown time zone", "%q is not an IANA time zone name; use one such as \"Asia/Tokyo\", \"Europe/London\" or \"UTC\".", v)
		return nil, false
	}
	return loc, true
}
