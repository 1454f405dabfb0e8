package jsonl

import (
	"bufio"
	"io"
)

// maxLine bounds one line; a longer one is rejected and skipped.
const maxLine = 64 << 20

// lines reads a file line by line without copying, except for lines
// longer than its buffer.
type lines struct {
	r    *bufio.Reader
	n    int    // the current line's number, from 1
	long []byte // a line longer than the buffer
	err  error  // a read error other than io.EOF
	// tooLong is set when the current line was over maxLine; its text
	// is then only its beginning.
	tooLong bool
}

func newLines(r io.Reader) *lines {
	return &lines{r: bufio.NewReaderSize(r, 1<<20)}
}

// next returns the next line without its line break, valid until the
// following call, or false at the end of input or on a read error.
func (l *lines) next() ([]byte, bool) {
	b, err := l.r.ReadSlice('\n')
	l.tooLong = false
	if err == bufio.ErrBufferFull {
		l.long = append(l.long[:0], b...)
		for err == bufio.ErrBufferFull {
			b, err = l.r.ReadSlice('\n')
			if len(l.long) < maxLine {
				l.long = append(l.long, b...)
			} else {
				l.tooLong = true
			}
		}
		b = l.long
	}
	if err != nil && err != io.EOF {
		l.err = err
		return nil, false
	}
	if err == io.EOF && len(b) == 0 {
		return nil, false
	}
	l.n++
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
		if n := len(b); n > 0 && b[n-1] == '\r' {
			b = b[:n-1]
		}
	}
	return b, true
}
