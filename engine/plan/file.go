package plan

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/ipc"
	"github.com/apache/arrow-go/v18/arrow/memory"
)

// A saved plan is an Arrow IPC stream.
//
// The schema's metadata holds:
//
//	sluice.plan.magic           "sluice-plan"
//	sluice.plan.format_version  FormatVersion ("1.0")
//	sluice.plan.header          a JSON object: pipeline, plan id, created_at,
//	                            config hash, state serial, summary, guard,
//	                            warnings, and how many changes and skipped
//	                            entries follow
//	sluice.plan.header_crc32c   the CRC-32C of the header, in hex
//
// Record batches of at most BatchRows rows hold the entries, changes first,
// then skipped records, each in plan order, in eight utf8 columns: kind
// ("change" or "skipped"), action (the action or outcome), key, source_id,
// reason, winner, fields_json and diff_json (a change's Fields and Diff as
// the JSON rendering writes them; "" for nil). Each batch's metadata holds
// sluice.plan.crc32c, the CRC-32C of its rows, so a damaged file is refused
// rather than applied. The entry counts in the header catch a stream cut at
// a batch boundary.
//
// A minor version may add metadata, header fields and columns; readers
// ignore what they do not know.

const (
	fileMagic      = "sluice-plan"
	metaMagic      = "sluice.plan.magic"
	metaVersion    = "sluice.plan.format_version"
	metaHeader     = "sluice.plan.header"
	metaHeaderCRC  = "sluice.plan.header_crc32c"
	metaBatchCRC   = "sluice.plan.crc32c"
	kindChange     = "change"
	kindSkipped    = "skipped"
	batchDataBytes = 32 << 20  // a batch is cut early past this much data
	maxEntryBytes  = 128 << 20 // one entry may not be larger
	maxHeaderBytes = 8 << 20
	readBodyLimit  = 256 << 20 // larger than any batch Write makes
	readMetaLimit  = 16 << 20
)

// BatchRows is the most entries a record batch of a plan file holds.
const BatchRows = 8192

var (
	// ErrNotPlanFile is returned (wrapped) when the input is not a plan
	// file at all.
	ErrNotPlanFile = errors.New("not a sluice plan file")
	// ErrCorrupt is returned (wrapped) when a plan file is damaged or cut
	// short.
	ErrCorrupt = errors.New("plan file is corrupt or truncated")
)

// Columns, in the order Write puts them.
var columns = [...]string{"kind", "action", "key", "source_id", "reason", "winner", "fields_json", "diff_json"}

const (
	colKind = iota
	colAction
	colKey
	colSourceID
	colReason
	colWinner
	colFields
	colDiff
	numColumns
)

var crcTable = crc32.MakeTable(crc32.Castagnoli)

// fileHeader is the JSON header of a plan file.
type fileHeader struct {
	ID          string       `json:"plan_id"`
	Pipeline    string       `json:"pipeline"`
	CreatedAt   time.Time    `json:"created_at"`
	ConfigHash  string       `json:"config_hash"`
	StateSerial int64        `json:"state_serial"`
	Summary     Summary      `json:"summary"`
	Guard       *GuardBreach `json:"guard,omitempty"`
	Warnings    []string     `json:"warnings"`
	Config      []string     `json:"config,omitempty"`
	Changes     int64        `json:"changes"`
	Skipped     int64        `json:"skipped"`
}

// Write writes p to w as a plan file, entries in plan order whatever the
// order of p's slices. Besides p it holds one batch in memory at a time (and
// a sorted copy of the entry lists when p is not normalized). It fails on an
// invalid action or outcome and when one entry is larger than a plan file
// can hold (128 MiB). Write does not close w.
func Write(w io.Writer, p *Plan) error { return write(w, p, FormatVersion) }

func write(w io.Writer, p *Plan, version string) error {
	h := fileHeader{
		ID:          p.ID,
		Pipeline:    p.Pipeline,
		CreatedAt:   p.CreatedAt,
		ConfigHash:  p.ConfigHash,
		StateSerial: p.StateSerial,
		Summary:     p.Summary,
		Guard:       p.GuardBreach,
		Warnings:    p.Warnings,
		Config:      p.Config,
		Changes:     int64(len(p.Changes)),
		Skipped:     int64(len(p.Skipped)),
	}
	hb, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("plan: encoding the plan file header: %w", err)
	}
	if len(hb) > maxHeaderBytes {
		return fmt.Errorf("plan: the plan's header is %d bytes, more than a plan file holds (%d)", len(hb), maxHeaderBytes)
	}
	md := arrow.NewMetadata(
		[]string{metaMagic, metaVersion, metaHeader, metaHeaderCRC},
		[]string{fileMagic, version, string(hb), crcHex(crc32.Checksum(hb, crcTable))},
	)
	fields := make([]arrow.Field, numColumns)
	for i, name := range columns {
		fields[i] = arrow.Field{Name: name, Type: arrow.BinaryTypes.String}
	}
	schema := arrow.NewSchema(fields, &md)

	bw := bufio.NewWriterSize(w, 256<<10)
	mem := memory.DefaultAllocator
	iw := ipc.NewWriter(bw, ipc.WithSchema(schema), ipc.WithAllocator(mem))
	bb := newBatchBuilder(mem, schema)
	defer bb.release()

	var enc jsonWriter
	var fieldsJSON, diffJSON []byte
	for _, c := range sortedChanges(p.Changes) {
		if !c.Action.valid() {
			iw.Close()
			return fmt.Errorf("plan: change for key %q has an invalid action %d", c.Key, uint8(c.Action))
		}
		fieldsJSON, diffJSON = fieldsJSON[:0], diffJSON[:0]
		if c.Fields != nil {
			enc.buf = fieldsJSON
			enc.fields(c.Fields)
			fieldsJSON = enc.buf
		}
		if c.Diff != nil {
			enc.buf = diffJSON
			enc.diff(c.Diff)
			diffJSON = enc.buf
		}
		row := [numColumns][]byte{
			colKind: bytesOf(kindChange), colAction: bytesOf(c.Action.String()),
			colKey: bytesOf(c.Key), colSourceID: bytesOf(c.SourceID), colReason: bytesOf(c.Reason),
			colFields: fieldsJSON, colDiff: diffJSON,
		}
		if err := bb.add(iw, &row, "change", c.Key); err != nil {
			iw.Close()
			return err
		}
	}
	for _, s := range sortedSkipped(p.Skipped) {
		if !s.Outcome.valid() {
			iw.Close()
			return fmt.Errorf("plan: skipped record %q has an invalid outcome %d", s.Key, uint8(s.Outcome))
		}
		row := [numColumns][]byte{
			colKind: bytesOf(kindSkipped), colAction: bytesOf(s.Outcome.String()),
			colKey: bytesOf(s.Key), colSourceID: bytesOf(s.SourceID), colReason: bytesOf(s.Reason),
			colWinner: bytesOf(s.Winner),
		}
		if err := bb.add(iw, &row, "skipped record", s.Key); err != nil {
			iw.Close()
			return err
		}
	}
	if err := bb.flush(iw); err != nil {
		iw.Close()
		return err
	}
	if err := iw.Close(); err != nil {
		return fmt.Errorf("plan: writing the plan file: %w", err)
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("plan: writing the plan file: %w", err)
	}
	return nil
}

// batchBuilder collects rows into one record batch at a time.
type batchBuilder struct {
	schema  *arrow.Schema
	cols    [numColumns]*array.StringBuilder
	rows    int
	bytes   int
	crc     uint32
	scratch []byte
}

func newBatchBuilder(mem memory.Allocator, schema *arrow.Schema) *batchBuilder {
	bb := &batchBuilder{schema: schema, scratch: make([]byte, binary.MaxVarintLen64)}
	for i := range bb.cols {
		bb.cols[i] = array.NewStringBuilder(mem)
	}
	return bb
}

func (bb *batchBuilder) release() {
	for _, c := range bb.cols {
		c.Release()
	}
}

// add appends one row, first writing the pending batch when the row would
// overflow it.
func (bb *batchBuilder) add(iw *ipc.Writer, row *[numColumns][]byte, what, key string) error {
	size := 0
	for _, v := range row {
		size += len(v)
	}
	if size > maxEntryBytes {
		return fmt.Errorf("plan: the %s for key %q is %d bytes, more than a plan file holds (%d)", what, key, size, maxEntryBytes)
	}
	if bb.rows > 0 && (bb.rows >= BatchRows || bb.bytes+size > batchDataBytes) {
		if err := bb.flush(iw); err != nil {
			return err
		}
	}
	for i, v := range row {
		bb.cols[i].BinaryBuilder.Append(v)
	}
	bb.crc = rowCRC(bb.crc, row, bb.scratch)
	bb.rows++
	bb.bytes += size
	return nil
}

func (bb *batchBuilder) flush(iw *ipc.Writer) error {
	if bb.rows == 0 {
		return nil
	}
	var arrs [numColumns]arrow.Array
	for i, c := range bb.cols {
		arrs[i] = c.NewArray()
	}
	md := arrow.NewMetadata([]string{metaBatchCRC}, []string{crcHex(bb.crc)})
	rec := array.NewRecordBatchWithMetadata(bb.schema, arrs[:], int64(bb.rows), md)
	for _, a := range arrs {
		a.Release()
	}
	err := iw.Write(rec)
	rec.Release()
	bb.rows, bb.bytes, bb.crc = 0, 0, 0
	if err != nil {
		return fmt.Errorf("plan: writing the plan file: %w", err)
	}
	return nil
}

// rowCRC adds one row to crc: each column's length as a uvarint, then its
// bytes. scratch holds at least binary.MaxVarintLen64 bytes.
func rowCRC(crc uint32, row *[numColumns][]byte, scratch []byte) uint32 {
	for _, v := range row {
		crc = crc32.Update(crc, crcTable, scratch[:binary.PutUvarint(scratch, uint64(len(v)))])
		crc = crc32.Update(crc, crcTable, v)
	}
	return crc
}

// bytesOf returns the bytes of s without copying them; they must not be
// modified.
func bytesOf(s string) []byte { return unsafe.Slice(unsafe.StringData(s), len(s)) }

func crcHex(c uint32) string { return fmt.Sprintf("%08x", c) }

// WriteFile writes p to the file at path, all or nothing: it writes a
// temporary file in the same directory, syncs it and renames it over path.
// The file is readable by its owner only, since a plan holds the data it
// sends.
func WriteFile(path string, p *Plan) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".*.tmp")
	if err != nil {
		return fmt.Errorf("plan: saving %s: %w", path, err)
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			if f != nil {
				f.Close()
			}
			os.Remove(tmp)
		}
	}()
	if err = Write(f, p); err != nil {
		return fmt.Errorf("plan: saving %s: %w", path, err)
	}
	if err = f.Sync(); err != nil {
		return fmt.Errorf("plan: saving %s: %w", path, err)
	}
	err = f.Close()
	f = nil
	if err != nil {
		return fmt.Errorf("plan: saving %s: %w", path, err)
	}
	if err = os.Rename(tmp, path); err != nil {
		return fmt.Errorf("plan: saving %s: %w", path, err)
	}
	// Make the rename durable; not every system can sync a directory.
	if d, derr := os.Open(dir); derr == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// ReadFile reads the plan file at path; see Read.
func ReadFile(path string) (*Plan, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	defer f.Close()
	p, err := Read(bufio.NewReaderSize(f, 256<<10))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return p, nil
}

// Read reads a plan file written by Write. It returns an error wrapping
// ErrNotPlanFile for input that is not a plan file, ErrUnsupportedVersion
// for a plan file of another major format version, and ErrCorrupt for a
// damaged or truncated one; it never panics on bad input. It holds one
// record batch at a time besides the plan it builds. Empty lists read back
// as nil; FormatVersion is the version the file was written in.
func Read(r io.Reader) (p *Plan, err error) {
	defer func() {
		if v := recover(); v != nil {
			p, err = nil, fmt.Errorf("plan: %w: %v", ErrCorrupt, v)
		}
	}()
	msgs := newCheckedMessages(r, readMetaLimit, readBodyLimit)
	rd, err := ipc.NewReaderFromMessageReader(msgs,
		ipc.WithAllocator(cappedAllocator{mem: memory.DefaultAllocator, max: readBodyLimit}),
	)
	if err != nil {
		if errors.Is(err, errEmpty) {
			return nil, fmt.Errorf("plan: %w: %w", ErrNotPlanFile, errEmpty)
		}
		return nil, fmt.Errorf("plan: %w: %w", ErrNotPlanFile, err)
	}
	defer rd.Release()

	schema := rd.Schema()
	md := schema.Metadata()
	if magic, _ := md.GetValue(metaMagic); magic != fileMagic {
		return nil, fmt.Errorf("plan: %w: an Arrow stream without the plan marker", ErrNotPlanFile)
	}
	version, _ := md.GetValue(metaVersion)
	if _, err := checkVersion(version); err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	hb, _ := md.GetValue(metaHeader)
	sum, _ := md.GetValue(metaHeaderCRC)
	if sum != crcHex(crc32.Checksum([]byte(hb), crcTable)) {
		return nil, fmt.Errorf("plan: %w: the header's checksum does not match", ErrCorrupt)
	}
	var h fileHeader
	if err := json.Unmarshal([]byte(hb), &h); err != nil {
		return nil, fmt.Errorf("plan: %w: header: %w", ErrCorrupt, err)
	}
	if h.Changes < 0 || h.Skipped < 0 {
		return nil, fmt.Errorf("plan: %w: header: negative entry count", ErrCorrupt)
	}
	var idx [numColumns]int
	for i, name := range columns {
		ix := schema.FieldIndices(name)
		if len(ix) != 1 || schema.Field(ix[0]).Type.ID() != arrow.STRING {
			return nil, fmt.Errorf("plan: %w: column %s is missing or not utf8", ErrCorrupt, name)
		}
		idx[i] = ix[0]
	}

	p = &Plan{
		FormatVersion: version,
		ID:            h.ID,
		Pipeline:      h.Pipeline,
		CreatedAt:     h.CreatedAt,
		ConfigHash:    h.ConfigHash,
		StateSerial:   h.StateSerial,
		Summary:       h.Summary,
		GuardBreach:   h.Guard,
		Warnings:      h.Warnings,
		Config:        h.Config,
	}
	// The counts come from the file: trust them only so far for
	// preallocation.
	if h.Changes > 0 {
		p.Changes = make([]Change, 0, min(h.Changes, 1<<16))
	}
	if h.Skipped > 0 {
		p.Skipped = make([]Skipped, 0, min(h.Skipped, 1<<16))
	}
	batch := 0
	for rd.Next() {
		if err := readBatch(p, rd.RecordBatch(), &idx, h.Changes, h.Skipped); err != nil {
			return nil, fmt.Errorf("plan: %w: batch %d: %w", ErrCorrupt, batch, err)
		}
		batch++
	}
	if err := rd.Err(); err != nil {
		return nil, fmt.Errorf("plan: %w: %w", ErrCorrupt, err)
	}
	if !msgs.sawEOS {
		return nil, fmt.Errorf("plan: %w: the stream ends without its end marker", ErrCorrupt)
	}
	if int64(len(p.Changes)) != h.Changes || int64(len(p.Skipped)) != h.Skipped {
		return nil, fmt.Errorf("plan: %w: it holds %d of %d changes and %d of %d skipped records",
			ErrCorrupt, len(p.Changes), h.Changes, len(p.Skipped), h.Skipped)
	}
	return p, nil
}

// readBatch checks one record batch and appends its entries to p.
func readBatch(p *Plan, rec arrow.RecordBatch, idx *[numColumns]int, wantChanges, wantSkipped int64) error {
	n := int(rec.NumRows())
	var cols [numColumns]*array.String
	for i := range cols {
		c, ok := rec.Column(idx[i]).(*array.String)
		if !ok || c.Len() != n {
			return fmt.Errorf("column %s is malformed", columns[i])
		}
		if err := c.Validate(); err != nil {
			return fmt.Errorf("column %s: %w", columns[i], err)
		}
		cols[i] = c
	}
	value := func(col, row int) string {
		c := cols[col]
		if c.IsNull(row) {
			return ""
		}
		return c.Value(row)
	}

	// The checksum first, so that nothing of a damaged batch is decoded.
	var crc uint32
	var row [numColumns][]byte
	scratch := make([]byte, binary.MaxVarintLen64)
	for r := range n {
		for c := range row {
			row[c] = bytesOf(value(c, r))
		}
		crc = rowCRC(crc, &row, scratch)
	}
	var want string
	if m, ok := rec.(arrow.RecordBatchWithMetadata); ok {
		want, _ = m.Metadata().GetValue(metaBatchCRC)
	}
	if want != crcHex(crc) {
		return errors.New("checksum does not match")
	}

	for r := range n {
		kind, name := value(colKind, r), value(colAction, r)
		switch kind {
		case kindChange:
			if len(p.Skipped) > 0 {
				return errors.New("a change after skipped records")
			}
			if int64(len(p.Changes)) >= wantChanges {
				return fmt.Errorf("more changes than the %d the header announces", wantChanges)
			}
			a, err := ParseAction(name)
			if err != nil {
				return err
			}
			if value(colWinner, r) != "" {
				return errors.New("a change with a winner")
			}
			c := Change{
				Action:   a,
				Key:      strings.Clone(value(colKey, r)),
				SourceID: strings.Clone(value(colSourceID, r)),
				Reason:   strings.Clone(value(colReason, r)),
			}
			if s := value(colFields, r); s != "" {
				var err error
				if c.Fields, err = parseFields(s); err != nil {
					return fmt.Errorf("change %s: fields: %w", strconv.Quote(c.Key), err)
				}
			}
			if s := value(colDiff, r); s != "" {
				var err error
				if c.Diff, err = parseDiff(s); err != nil {
					return fmt.Errorf("change %s: diff: %w", strconv.Quote(c.Key), err)
				}
			}
			p.Changes = append(p.Changes, c)
		case kindSkipped:
			if int64(len(p.Skipped)) >= wantSkipped {
				return fmt.Errorf("more skipped records than the %d the header announces", wantSkipped)
			}
			o, err := ParseOutcome(name)
			if err != nil {
				return err
			}
			if value(colFields, r) != "" || value(colDiff, r) != "" {
				return errors.New("a skipped record with fields")
			}
			p.Skipped = append(p.Skipped, Skipped{
				Outcome:  o,
				Key:      strings.Clone(value(colKey, r)),
				SourceID: strings.Clone(value(colSourceID, r)),
				Reason:   strings.Clone(value(colReason, r)),
				Winner:   strings.Clone(value(colWinner, r)),
			})
		default:
			return fmt.Errorf("unknown entry kind %q", kind)
		}
	}
	return nil
}

// cappedAllocator refuses (by panicking, which Read recovers) buffers
// larger than max, so that a damaged length cannot exhaust memory.
type cappedAllocator struct {
	mem memory.Allocator
	max int
}

func (a cappedAllocator) Allocate(n int) []byte {
	a.check(n)
	return a.mem.Allocate(n)
}

func (a cappedAllocator) Reallocate(n int, b []byte) []byte {
	a.check(n)
	return a.mem.Reallocate(n, b)
}

func (a cappedAllocator) Free(b []byte) { a.mem.Free(b) }

func (a cappedAllocator) check(n int) {
	if n < 0 || n > a.max {
		panic(fmt.Sprintf("a buffer of %d bytes is larger than a plan file holds", n))
	}
}

// IsPlanFile reports whether the file at path starts like a plan file: an
// Arrow stream whose schema carries the plan marker. It reads only the
// start of the file.
func IsPlanFile(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 64<<10)
	n, _ := io.ReadFull(f, head)
	return bytes.Contains(head[:n], []byte(fileMagic))
}
