package column

import (
	"bytes"
	"strconv"
	"unsafe"
)

// str views b as a string without copying. The result must not outlive
// b's contents; it is only passed to functions that copy what they keep.
func str(b []byte) string { return unsafe.String(unsafe.SliceData(b), len(b)) }

// TrimSpace trims ASCII spaces and tabs.
func TrimSpace(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// ParseInt parses a base-10 int64 with an optional sign.
func ParseInt(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		neg = b[0] == '-'
		b = b[1:]
	}
	if len(b) == 0 || len(b) > 19 {
		return 0, false
	}
	var u uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		u = u*10 + uint64(c-'0')
	}
	if neg {
		if u > 1<<63 {
			return 0, false
		}
		return -int64(u), true
	}
	if u > 1<<63-1 {
		return 0, false
	}
	return int64(u), true
}

// CanonicalInt reports whether b is an int64 as JSON writes one: no sign
// but '-', no leading zeros. Inference requires it, so that codes such as
// zip "01234" or "+81" stay strings.
func CanonicalInt(b []byte) bool {
	d := b
	if len(d) > 0 && d[0] == '+' {
		return false
	}
	if len(d) > 0 && d[0] == '-' {
		d = d[1:]
	}
	if len(d) == 0 || (d[0] == '0' && len(d) > 1) {
		return false
	}
	_, ok := ParseInt(b)
	return ok
}

// CanonicalFloat reports whether b is a number in JSON's grammar.
func CanonicalFloat(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	if i == len(b) {
		return false
	}
	if b[i] == '0' {
		i++
	} else if b[i] >= '1' && b[i] <= '9' {
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
	} else {
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		j := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == j {
			return false
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == j {
			return false
		}
	}
	return i == len(b)
}

// ParseFloat parses a decimal number with an optional sign, fraction
// and exponent. NaN, infinities, hexadecimal and out-of-range values are
// refused.
func ParseFloat(b []byte) (float64, bool) {
	if !decimal(b) {
		return 0, false
	}
	f, err := strconv.ParseFloat(str(b), 64)
	return f, err == nil
}

// decimal reports whether b is [+-]?(d+.?d*|.d+)([eE][+-]?d+)?.
func decimal(b []byte) bool {
	i := 0
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		i++
	}
	n := 0
	for i < len(b) && b[i] >= '0' && b[i] <= '9' {
		i, n = i+1, n+1
	}
	if i < len(b) && b[i] == '.' {
		i++
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i, n = i+1, n+1
		}
	}
	if n == 0 {
		return false
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := i
		for i < len(b) && b[i] >= '0' && b[i] <= '9' {
			i++
		}
		if i == j {
			return false
		}
	}
	return i == len(b)
}

// BoolWord reports whether b is true or false in any case: what inference
// takes as a boolean column.
func BoolWord(b []byte) bool {
	return bytes.EqualFold(b, []byte("true")) || bytes.EqualFold(b, []byte("false"))
}

// ParseBool parses true/false, yes/no and 1/0, in any case.
func ParseBool(b []byte) (v, ok bool) {
	switch len(b) {
	case 1:
		switch b[0] {
		case '1':
			return true, true
		case '0':
			return false, true
		}
	case 2:
		if bytes.EqualFold(b, []byte("no")) {
			return false, true
		}
	case 3:
		if bytes.EqualFold(b, []byte("yes")) {
			return true, true
		}
	case 4:
		if bytes.EqualFold(b, []byte("true")) {
			return true, true
		}
	case 5:
		if bytes.EqualFold(b, []byte("false")) {
			return false, true
		}
	}
	return false, false
}

// Truthy reports whether a deleted column's value marks a tombstone:
// true, 1 or yes, in any case, spaces around ignored.
func Truthy(b []byte) bool {
	v, ok := ParseBool(TrimSpace(b))
	return ok && v
}

// ParseTime parses RFC 3339 ("2006-01-02T15:04:05.999999999Z07:00") or
// "2006-01-02 15:04:05"; a time without a zone is UTC, and the date and
// time may be separated by 'T' or a space. It returns microseconds since
// the Unix epoch (finer digits are truncated, as the column's unit
// requires).
func ParseTime(b []byte) (int64, bool) {
	if len(b) < 19 || b[4] != '-' || b[7] != '-' || b[13] != ':' || b[16] != ':' {
		return 0, false
	}
	if c := b[10]; c != 'T' && c != 't' && c != ' ' {
		return 0, false
	}
	year, ok1 := digits(b[0:4])
	month, ok2 := digits(b[5:7])
	day, ok3 := digits(b[8:10])
	hour, ok4 := digits(b[11:13])
	min, ok5 := digits(b[14:16])
	sec, ok6 := digits(b[17:19])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) {
		return 0, false
	}
	if month < 1 || month > 12 || day < 1 || day > daysIn(month, year) || hour > 23 || min > 59 || sec > 59 {
		return 0, false
	}
	rest := b[19:]
	var micros int64
	if len(rest) > 0 && rest[0] == '.' {
		i := 1
		for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
			if i <= 6 {
				micros = micros*10 + int64(rest[i]-'0')
			}
			i++
		}
		if i == 1 {
			return 0, false
		}
		for k := i; k <= 6; k++ {
			micros *= 10
		}
		rest = rest[i:]
	}
	var offset int64
	switch {
	case len(rest) == 0:
	case len(rest) == 1 && (rest[0] == 'Z' || rest[0] == 'z'):
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, ok1 := digits(rest[1:3])
		om, ok2 := digits(rest[4:6])
		if !ok1 || !ok2 || oh > 23 || om > 59 {
			return 0, false
		}
		offset = int64(oh*3600 + om*60)
		if rest[0] == '-' {
			offset = -offset
		}
	default:
		return 0, false
	}
	secs := daysFromCivil(year, month, day)*86400 + int64(hour*3600+min*60+sec) - offset
	return secs*1e6 + micros, true
}

func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// daysFromCivil returns the days from 1970-01-01 to the given date of the
// proleptic Gregorian calendar.
func daysFromCivil(y, m, d int) int64 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (m + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int64(era)*146097 + int64(doe) - 719468
}

// Quote renders a value for a reason, shortened when long.
func Quote(b []byte) string {
	const max = 64
	if len(b) > max {
		return strconv.Quote(string(b[:max])) + "…"
	}
	return strconv.Quote(string(b))
}
