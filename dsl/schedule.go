package dsl

import (
	"fmt"
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
	Repeat   Repeat
	Hour     int // local time of day
	Minute   int
	Weekday  time.Weekday // weekly
	Day      int          // monthly: 1-28
	Location *time.Location
	TimeZone string // the IANA name as written
	DeclRange hcl.Range
}
