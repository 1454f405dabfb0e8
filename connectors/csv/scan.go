package csv

import (
	"bytes"
	"errors"
	"io"
)

// maxRecord bounds the bytes of one record. A longer record (usually an
// unterminated quoted field swallowing the rest of the file) is reported
// as malformed instead of growing the buffer without limit.
const maxRecord = 64 << 20

// bufSize is the scanner's read size.
const bufSize = 1 << 20

// scanner splits CSV text (RFC 4180, the dialect of encoding/csv without
// LazyQuotes) into records. It does not allocate per record or per field:
// a record's fields are spans of its buffer, or of quoted for quoted
// fields holding doubled quotes or CRs.
//
// A malformed record (a bare quote, text after a closing quote, an
// unterminated quoted field) is still returned, with err set and no
// fields, so the caller can report it with its line; scanning resumes at
// the next line. Empty lines are skipped, as encoding/csv does.
//
// Without a swap function the buffer is compacted in place when more
// input is needed, so spans are valid until the following call of next.
// With one, the scanner never overwrites a buffer that records refer to:
// it continues in the buffer swap returns and hands the old one over,
// which lets the records read so far go to another goroutine while
// scanning goes on.
type scanner struct {
	src   io.Reader
	buf   []byte
	pos   int // start of unread data in buf
	end   int // end of data in buf
	eof   bool
	rerr  error // a read error other than io.EOF
	comma byte
	stop  [256]bool // the bytes ending an unquoted field: comma, quote, LF
	line  int       // line number of buf[pos], from 1

	// swap, when set, returns the buffer to continue in, of at least size
	// bytes, and an empty quoted buffer; it may return old itself. Once
	// the unread tail of old is copied, handOver receives old and the
	// quoted bytes of its records, unless the buffer was kept.
	swap     func(old []byte, size int) (buf, quoted []byte)
	handOver func(old, quoted []byte)

	// The current record.
	spans []span
	raw   span   // the record's text in buf, for the UTF-8 check
	start int    // the line the record starts on
	err   string // why the record is malformed; "" when it is not

	quoted []byte // unescaped values of quoted fields
	qmark  int    // len(quoted) when the current record started
	nlAt   int    // where the line of a quoted record ends in buf; -1 if not read yet
}

// span locates one field: buf[a:b], or quoted[a:b] when q is set.
type span struct {
	a, b int32
	q    bool
}

func newScanner(r io.Reader, comma byte) *scanner {
	s := &scanner{src: r, buf: make([]byte, bufSize), comma: comma, line: 1}
	s.stop[comma], s.stop['"'], s.stop['\n'] = true, true, true
	return s
}

// field returns the bytes of sp.
func (s *scanner) field(sp span) []byte {
	if sp.q {
		return s.quoted[sp.a:sp.b:sp.b]
	}
	return s.buf[sp.a:sp.b:sp.b]
}

// fields appends the current record's fields to dst.
func (s *scanner) fields(dst [][]byte) [][]byte {
	for _, sp := range s.spans {
		dst = append(dst, s.field(sp))
	}
	return dst
}

// errTooLong is the reason given for a record over maxRecord bytes.
const errTooLong = "record longer than 64 MiB (an unterminated quoted field?)"

// fill moves the unread data to the front of a buffer (the same one, or
// the one swap returns) and reads more, growing the buffer when the
// unread data fills it. It reports false when nothing more can be read.
func (s *scanner) fill() bool {
	if s.eof || s.rerr != nil {
		return false
	}
	unread := s.end - s.pos
	size := len(s.buf)
	if unread == size {
		if size >= maxRecord {
			return false
		}
		size *= 2
	}
	nb, nq := s.buf, s.quoted[:0]
	if s.swap != nil {
		nb, nq = s.swap(s.buf, size)
	} else if size > len(s.buf) {
		nb = make([]byte, size)
	}
	copy(nb, s.buf[s.pos:s.end])
	if s.swap != nil && &nb[0] != &s.buf[0] {
		s.handOver(s.buf, s.quoted[:s.qmark])
	}
	s.buf, s.pos, s.end = nb, 0, unread
	s.quoted, s.qmark = nq, 0
	for {
		n, err := s.src.Read(s.buf[s.end:])
		s.end += n
		if err == io.EOF {
			s.eof = true
			return n > 0
		}
		if err != nil {
			s.rerr = err
			return n > 0
		}
		if n > 0 {
			return true
		}
	}
}

// atLimit reports whether the buffer cannot take more of the current
// record.
func (s *scanner) atLimit() bool {
	return !s.eof && s.rerr == nil && s.pos == 0 && s.end == len(s.buf) && len(s.buf) >= maxRecord
}

// next reads the next record. It returns false at the end of the input
// or on a read error (see readErr).
func (s *scanner) next() bool {
	if s.swap == nil {
		s.quoted, s.qmark = s.quoted[:0], 0
	}
	for {
		data := s.buf[s.pos:s.end]
		i := bytes.IndexByte(data, '\n')
		if i < 0 && !s.eof && s.rerr == nil {
			if s.fill() {
				continue
			}
			if s.atLimit() {
				s.skipFrom(s.pos, errTooLong)
				return true
			}
			data = s.buf[s.pos:s.end]
		}
		if len(data) == 0 {
			return false
		}
		lineEnd, next := len(data), len(data)
		if i >= 0 {
			lineEnd, next = i, i+1
		}
		line := data[:lineEnd]
		if len(line) > 0 && line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
		if len(line) == 0 {
			s.pos += next
			s.line++
			continue
		}
		qi := bytes.IndexByte(line, '"')
		if qi < 0 {
			qi = len(line)
		}
		// The fields before the first quote are plain: split them fast.
		s.spans = s.spans[:0]
		a, rest := s.pos, line[:qi]
		for {
			j := bytes.IndexByte(rest, s.comma)
			if j < 0 {
				break
			}
			s.spans = append(s.spans, span{int32(a), int32(a + j), false})
			rest = rest[j+1:]
			a += j + 1
		}
		if qi == len(line) {
			s.spans = append(s.spans, span{int32(a), int32(a + len(rest)), false})
			s.raw = span{int32(s.pos), int32(s.pos + len(line)), false}
			s.start, s.err = s.line, ""
			s.pos += next
			s.line++
			return true
		}
		s.nlAt = -1
		if i >= 0 {
			s.nlAt = s.pos + i
		}
		switch s.quotedRecord(a) {
		case done:
			return true
		case needMore:
			if s.fill() {
				continue
			}
			if s.atLimit() {
				s.skipFrom(s.pos, errTooLong)
				return true
			}
			// The input ended; quotedRecord now sees it and decides.
			continue
		}
	}
}

type outcome uint8

const (
	done outcome = iota
	needMore
)

// skipFrom ends the current malformed record at the end of the line
// holding buf[p] (or at the end of the buffer when no newline follows).
func (s *scanner) skipFrom(p int, reason string) {
	j := bytes.IndexByte(s.buf[p:s.end], '\n')
	stop := s.end
	if j >= 0 {
		stop = p + j + 1
	}
	s.spans = s.spans[:0]
	s.quoted = s.quoted[:s.qmark]
	s.raw = span{int32(s.pos), int32(stop), false}
	s.start, s.err = s.line, reason
	s.line += bytes.Count(s.buf[s.pos:stop], nl)
	s.pos = stop
}

var nl = []byte{'\n'}

// quotedRecord parses the rest of a record holding a quote character,
// which may span lines, from p, the start of the field holding the first
// quote; the spans of the fields before it are set.
func (s *scanner) quotedRecord(p int) outcome {
	buf, end, comma := s.buf, s.end, s.comma
	final := s.eof || s.rerr != nil
	s.quoted = s.quoted[:s.qmark]
	for {
		if p < end && buf[p] == '"' {
			p++
			// Most quoted fields hold no doubled quote and no CR: they
			// are used in place. The others are unescaped into quoted.
			j := bytes.IndexByte(buf[p:end], '"')
			if j < 0 {
				if !final {
					return needMore
				}
				// Resume at the next line: the rest of the file is
				// more likely fine than one field.
				s.skipFrom(s.pos, `unterminated quoted field`)
				return done
			}
			q := p + j
			if q+1 == end && !final {
				return needMore
			}
			if (q+1 == end || buf[q+1] != '"') && bytes.IndexByte(buf[p:q], '\r') < 0 {
				s.spans = append(s.spans, span{int32(p), int32(q), false})
				p = q + 1
			} else {
				qa := len(s.quoted)
				for {
					j := bytes.IndexByte(buf[p:end], '"')
					if j < 0 {
						if !final {
							return needMore
						}
						s.skipFrom(s.pos, `unterminated quoted field`)
						return done
					}
					s.quoted = appendCRLF(s.quoted, buf[p:p+j])
					p += j + 1
					if p < end && buf[p] == '"' {
						s.quoted = append(s.quoted, '"')
						p++
						continue
					}
					if p == end && !final {
						return needMore
					}
					break
				}
				s.spans = append(s.spans, span{int32(qa), int32(len(s.quoted)), true})
			}
			switch {
			case p == end:
				return s.finish(p)
			case buf[p] == comma:
				p++
				continue
			case buf[p] == '\n':
				return s.finish(p + 1)
			case buf[p] == '\r' && p+1 < end && buf[p+1] == '\n':
				return s.finish(p + 2)
			case buf[p] == '\r' && p+1 == end:
				if !final {
					return needMore
				}
				return s.finish(p + 1)
			default:
				s.skipFrom(p, `extraneous or missing " in quoted field`)
				return done
			}
		}
		// An unquoted field runs to the delimiter or the end of the line.
		a := p
		stop, rest := &s.stop, buf[p:end]
		k := 0
		for k < len(rest) && !stop[rest[k]] {
			k++
		}
		p += k
		if p < end && buf[p] == '"' {
			s.skipFrom(p, `bare " in non-quoted field`)
			return done
		}
		if p == end && !final {
			return needMore
		}
		b := p
		if (p == end || buf[p] == '\n') && b > a && buf[b-1] == '\r' {
			b--
		}
		s.spans = append(s.spans, span{int32(a), int32(b), false})
		if p == end {
			return s.finish(p)
		}
		if buf[p] == '\n' {
			return s.finish(p + 1)
		}
		p++ // the delimiter
	}
}

// finish ends the current record just before stop.
func (s *scanner) finish(stop int) outcome {
	s.raw = span{int32(s.pos), int32(stop), false}
	s.start, s.err = s.line, ""
	if stop == s.nlAt+1 {
		s.line++ // the usual case: the record is one line
	} else {
		s.line += bytes.Count(s.buf[s.pos:stop], nl)
	}
	s.pos = stop
	s.qmark = len(s.quoted)
	return done
}

// appendCRLF appends b to dst, turning each CRLF into LF as encoding/csv
// does inside quoted fields.
func appendCRLF(dst, b []byte) []byte {
	if bytes.IndexByte(b, '\r') < 0 {
		return append(dst, b...)
	}
	for {
		i := bytes.Index(b, crlf)
		if i < 0 {
			return append(dst, b...)
		}
		dst = append(dst, b[:i]...)
		dst = append(dst, '\n')
		b = b[i+2:]
	}
}

var crlf = []byte{'\r', '\n'}

// readErr returns the read error that ended scanning, if any.
func (s *scanner) readErr() error {
	if s.rerr != nil && !errors.Is(s.rerr, io.EOF) {
		return s.rerr
	}
	return nil
}
