package state

import "time"

// Names of watermarks.
const (
	// WatermarkSource is the highest cursor an apply committed; incremental
	// reads start from it, minus the look-back overlap.
	WatermarkSource = "source"
	// WatermarkFeedback is where the next feedback run reads the sink's
	// events from.
	WatermarkFeedback = "feedback"
)

// Watermark is how far a pipeline has read: a cursor from the data, and
// for sources that page by an opaque token (the sink's event feed), a
// checkpoint string.
//
// A watermark never moves backwards. Advancing it keeps the later of the
// stored and the given Cursor (a zero Cursor gives no cursor). The
// Checkpoint, which cannot be ordered, is replaced when the given one is
// not empty, unless the given Cursor is before the stored one: a late,
// stale advance changes neither.
type Watermark struct {
	Cursor     time.Time // zero when none
	Checkpoint string    // "" when none
}

// IsZero reports whether nothing was recorded.
func (w Watermark) IsZero() bool { return w.Cursor.IsZero() && w.Checkpoint == "" }
