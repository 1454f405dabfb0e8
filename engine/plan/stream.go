package plan

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// checkedMessages reads the messages of an Arrow IPC stream and checks each
// message's metadata before Arrow decodes it. Arrow trusts the lengths in
// the metadata and sizes some allocations by them; a damaged length could
// ask for more memory than exists, a failure no recover can catch. The
// checks bound every such length by the bytes actually present, and refuse
// what a plan file never holds (dictionaries, tensors, deep nesting).
type checkedMessages struct {
	r         io.Reader
	first     bool // the next message is the stream's first
	sawBytes  bool // something was read: the input is not empty
	sawEOS    bool // the end-of-stream marker was read
	prev      *ipc.Message
	metaLimit int64
	bodyLimit int64
}

func newCheckedMessages(r io.Reader, metaLimit, bodyLimit int64) *checkedMessages {
	return &checkedMessages{r: r, first: true, metaLimit: metaLimit, bodyLimit: bodyLimit}
}

// Arrow's message header types (Message.fbs) and limits of what a plan
// file's messages may hold.
const (
	headerSchema      = 1
	headerRecordBatch = 3
	maxFields         = 256
	maxChildren       = 64
	maxNesting        = 8
	maxKeyValues      = 1024
)

var errEmpty = errors.New("the input is empty")

func (m *checkedMessages) Message() (*ipc.Message, error) {
	if m.prev != nil {
		m.prev.Release()
		m.prev = nil
	}
	var word [4]byte
	if n, err := io.ReadFull(m.r, word[:]); err != nil {
		if n == 0 && errors.Is(err, io.EOF) {
			if !m.sawBytes {
				return nil, errEmpty
			}
			// A stream cut at a message boundary: Read finds it short.
			return nil, io.EOF
		}
		return nil, fmt.Errorf("reading a message: %w", noEOF(err))
	}
	m.sawBytes = true
	length := binary.LittleEndian.Uint32(word[:])
	if length == 0xFFFFFFFF { // continuation marker, then the length
		if _, err := io.ReadFull(m.r, word[:]); err != nil {
			return nil, fmt.Errorf("reading a message length: %w", noEOF(err))
		}
		length = binary.LittleEndian.Uint32(word[:])
	}
	if length == 0 {
		m.sawEOS = true
		return nil, io.EOF
	}
	if int64(length) > m.metaLimit || length < 8 {
		return nil, fmt.Errorf("message metadata of %d bytes", length)
	}
	meta, err := readN(m.r, int64(length))
	if err != nil {
		return nil, fmt.Errorf("reading message metadata: %w", err)
	}
	want := headerRecordBatch
	if m.first {
		want = headerSchema
	}
	m.first = false
	bodyLen, err := checkMessage(meta, want)
	if err != nil {
		return nil, fmt.Errorf("message metadata: %w", err)
	}
	if bodyLen > m.bodyLimit {
		return nil, fmt.Errorf("message body of %d bytes", bodyLen)
	}
	body, err := readN(m.r, bodyLen)
	if err != nil {
		return nil, fmt.Errorf("reading a message body: %w", err)
	}
	m.prev = ipc.NewMessage(memory.NewBufferBytes(meta), memory.NewBufferBytes(body))
	return m.prev, nil
}

func (m *checkedMessages) Retain() {}

func (m *checkedMessages) Release() {
	if m.prev != nil {
		m.prev.Release()
		m.prev = nil
	}
}

// readN reads exactly n bytes, growing its buffer as the bytes arrive so
// that a false length costs no more memory than the input has.
func readN(r io.Reader, n int64) ([]byte, error) {
	var b bytes.Buffer
	b.Grow(int(min(n, 1<<20)))
	got, err := io.CopyN(&b, r, n)
	if err != nil {
		if got < n {
			return nil, io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return b.Bytes(), nil
}

func noEOF(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}

// checkMessage checks a Message flatbuffer whose header must be of type
// want, and returns its body length.
func checkMessage(buf []byte, want int) (int64, error) {
	msg, err := rootTable(buf)
	if err != nil {
		return 0, err
	}
	if v, err := msg.uint(0, 2); err != nil {
		return 0, err
	} else if v < 3 || v > 4 { // MetadataVersion V4 or V5
		return 0, fmt.Errorf("metadata version %d", v)
	}
	typ, err := msg.uint(1, 1)
	if err != nil {
		return 0, err
	}
	if int(typ) != want {
		return 0, fmt.Errorf("a message of type %d where %d belongs", typ, want)
	}
	header, ok, err := msg.table(2)
	if err != nil {
		return 0, err
	}
	if !ok {
		return 0, errors.New("a message without a header")
	}
	switch want {
	case headerSchema:
		err = checkSchema(header)
	case headerRecordBatch:
		err = checkRecordBatch(header)
	}
	if err != nil {
		return 0, err
	}
	bodyLen, err := msg.uint(3, 8)
	if err != nil {
		return 0, err
	}
	if bodyLen > math.MaxInt32*4 {
		return 0, fmt.Errorf("body length %d", bodyLen)
	}
	if err := checkKeyValues(msg, 4); err != nil {
		return 0, err
	}
	return int64(bodyLen), nil
}

// Schema: endianness 0, fields 1, custom_metadata 2, features 3.
func checkSchema(t fbTable) error {
	n, err := t.vector(1, 4, maxFields)
	if err != nil {
		return fmt.Errorf("schema fields: %w", err)
	}
	for i := range n {
		f, err := t.vectorTable(1, i)
		if err != nil {
			return err
		}
		if err := checkField(f, 0); err != nil {
			return fmt.Errorf("field %d: %w", i, err)
		}
	}
	if err := checkKeyValues(t, 2); err != nil {
		return err
	}
	if _, err := t.vector(3, 8, 64); err != nil {
		return fmt.Errorf("schema features: %w", err)
	}
	return nil
}

// Field: name 0, nullable 1, type_type 2, type 3, dictionary 4, children 5,
// custom_metadata 6.
func checkField(t fbTable, depth int) error {
	if depth > maxNesting {
		return errors.New("too deeply nested")
	}
	if _, err := t.vector(0, 1, math.MaxInt32); err != nil {
		return fmt.Errorf("name: %w", err)
	}
	if _, ok, err := t.table(3); err != nil {
		return fmt.Errorf("type: %w", err)
	} else if !ok {
		return errors.New("a column without a type")
	}
	if t.has(4) {
		return errors.New("a dictionary-encoded column")
	}
	n, err := t.vector(5, 4, maxChildren)
	if err != nil {
		return fmt.Errorf("children: %w", err)
	}
	for i := range n {
		c, err := t.vectorTable(5, i)
		if err != nil {
			return err
		}
		if err := checkField(c, depth+1); err != nil {
			return fmt.Errorf("child %d: %w", i, err)
		}
	}
	return checkKeyValues(t, 6)
}

// RecordBatch: length 0, nodes 1 (16-byte structs), buffers 2 (16-byte
// structs), compression 3, variadicBufferCounts 4.
func checkRecordBatch(t fbTable) error {
	if _, err := t.vector(1, 16, math.MaxInt32); err != nil {
		return fmt.Errorf("nodes: %w", err)
	}
	if _, err := t.vector(2, 16, math.MaxInt32); err != nil {
		return fmt.Errorf("buffers: %w", err)
	}
	if _, _, err := t.table(3); err != nil {
		return fmt.Errorf("compression: %w", err)
	}
	if _, err := t.vector(4, 8, math.MaxInt32); err != nil {
		return fmt.Errorf("variadic counts: %w", err)
	}
	return nil
}

// checkKeyValues checks field i of t, a vector of KeyValue tables (key 0,
// value 1, both strings).
func checkKeyValues(t fbTable, i int) error {
	n, err := t.vector(i, 4, maxKeyValues)
	if err != nil {
		return fmt.Errorf("custom metadata: %w", err)
	}
	for j := range n {
		kv, err := t.vectorTable(i, j)
		if err != nil {
			return err
		}
		if _, err := kv.vector(0, 1, math.MaxInt32); err != nil {
			return fmt.Errorf("metadata key: %w", err)
		}
		if _, err := kv.vector(1, 1, math.MaxInt32); err != nil {
			return fmt.Errorf("metadata value: %w", err)
		}
	}
	return nil
}

// fbTable is a flatbuffer table whose vtable has been bounds-checked.
type fbTable struct {
	buf   []byte
	pos   int // the table's start
	vt    int // its vtable's start
	vtLen int // its vtable's length in bytes
	size  int // the table's length in bytes
}

var errBounds = errors.New("an offset out of bounds")

func u16(buf []byte, pos int) (int, bool) {
	if pos < 0 || pos+2 > len(buf) {
		return 0, false
	}
	return int(binary.LittleEndian.Uint16(buf[pos:])), true
}

func u32(buf []byte, pos int) (uint32, bool) {
	if pos < 0 || pos+4 > len(buf) {
		return 0, false
	}
	return binary.LittleEndian.Uint32(buf[pos:]), true
}

func rootTable(buf []byte) (fbTable, error) {
	off, ok := u32(buf, 0)
	if !ok {
		return fbTable{}, errBounds
	}
	return tableAt(buf, int64(off))
}

func tableAt(buf []byte, pos int64) (fbTable, error) {
	if pos < 0 || pos+4 > int64(len(buf)) {
		return fbTable{}, errBounds
	}
	soff := int64(int32(binary.LittleEndian.Uint32(buf[pos:])))
	vt := pos - soff
	vtLen, ok1 := u16(buf, int(max(min(vt, math.MaxInt32), -1)))
	size, ok2 := u16(buf, int(max(min(vt+2, math.MaxInt32), -1)))
	if !ok1 || !ok2 || vtLen < 4 || vtLen%2 != 0 || vt+int64(vtLen) > int64(len(buf)) ||
		size < 4 || pos+int64(size) > int64(len(buf)) {
		return fbTable{}, errBounds
	}
	return fbTable{buf: buf, pos: int(pos), vt: int(vt), vtLen: vtLen, size: size}, nil
}

// field returns the position of field i, or false when it is absent.
func (t fbTable) field(i int) (int, bool) {
	o := 4 + 2*i
	if o+2 > t.vtLen {
		return 0, false
	}
	off, _ := u16(t.buf, t.vt+o)
	if off == 0 {
		return 0, false
	}
	return t.pos + off, true
}

func (t fbTable) has(i int) bool {
	_, ok := t.field(i)
	return ok
}

// uint reads field i, an unsigned scalar of size bytes (0 when absent).
func (t fbTable) uint(i, size int) (uint64, error) {
	p, ok := t.field(i)
	if !ok {
		return 0, nil
	}
	if p+size > t.pos+t.size || p+size > len(t.buf) {
		return 0, errBounds
	}
	var v uint64
	for k := size - 1; k >= 0; k-- {
		v = v<<8 | uint64(t.buf[p+k])
	}
	return v, nil
}

// target follows the offset in field i.
func (t fbTable) target(i int) (int64, bool, error) {
	p, ok := t.field(i)
	if !ok {
		return 0, false, nil
	}
	if p+4 > t.pos+t.size {
		return 0, false, errBounds
	}
	off, ok := u32(t.buf, p)
	if !ok {
		return 0, false, errBounds
	}
	return int64(p) + int64(off), true, nil
}

// table returns the table field i points to.
func (t fbTable) table(i int) (fbTable, bool, error) {
	at, ok, err := t.target(i)
	if err != nil || !ok {
		return fbTable{}, false, err
	}
	sub, err := tableAt(t.buf, at)
	return sub, err == nil, err
}

// vector checks field i, a vector (or string) of elements of elem bytes,
// and returns its length, which may not exceed limit.
func (t fbTable) vector(i, elem, limit int) (int, error) {
	at, ok, err := t.target(i)
	if err != nil || !ok {
		return 0, err
	}
	n, ok := u32(t.buf, int(min(at, math.MaxInt32)))
	if !ok {
		return 0, errBounds
	}
	if int64(n) > int64(limit) {
		return 0, fmt.Errorf("%d entries", n)
	}
	if at+4+int64(n)*int64(elem) > int64(len(t.buf)) {
		return 0, errBounds
	}
	return int(n), nil
}

// vectorTable returns the j-th table of the vector of tables in field i;
// the vector was checked by vector.
func (t fbTable) vectorTable(i, j int) (fbTable, error) {
	at, _, err := t.target(i)
	if err != nil {
		return fbTable{}, err
	}
	p := at + 4 + 4*int64(j)
	off, ok := u32(t.buf, int(p))
	if !ok {
		return fbTable{}, errBounds
	}
	return tableAt(t.buf, p+int64(off))
}
