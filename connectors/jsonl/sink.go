package jsonl

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"

	"github.com/sluice-sync/sluice/connectors/sdk"
)

// Describe returns the sink's description: string keys, any fields. The
// list name is not used; the file is the list.
func (c *conn) Describe(ctx context.Context, req sdk.DescribeRequest) (*sdk.SinkInfo, error) {
	si := sinkInfo
	return &si, nil
}

// Suppressions returns none: a file has no unsubscribes.
func (c *conn) Suppressions(ctx context.Context, req sdk.SuppressionsRequest) ([]sdk.Suppression, error) {
	return nil, nil
}

// ErrOnlyUpsert is returned by Write for OpRemove and OpDelete: a jsonl
// sink is an export and cannot take members off.
var ErrOnlyUpsert = errors.New("a jsonl sink only writes members; it cannot remove or delete them")

// Write appends each row of rec as one JSON object line, members in the
// batch's schema order. The first Write of a connection creates or
// truncates the file (creating its directory), so the file holds what
// the last run wrote. A row whose key is null or empty, or holding a
// value JSON cannot represent (NaN, invalid UTF-8), is failed and not
// written. A batch is encoded into one buffer and written with one call,
// so its lines are with the operating system when Write returns (a crash
// of the process loses nothing); Close syncs the file to disk, so a crash
// of the machine before it may lose the file's tail. Syncing once, not
// per batch, suits an export that every run rewrites.
func (c *conn) Write(ctx context.Context, req sdk.WriteRequest, rec arrow.RecordBatch) (*sdk.WriteResponse, error) {
	if req.Op != sdk.OpUpsert {
		return nil, fmt.Errorf("jsonl %s: %s: %w", c.path, req.Op, ErrOnlyUpsert)
	}
	keys, err := keyColumn(rec, req.Key)
	if err != nil {
		return nil, fmt.Errorf("jsonl %s: %w", c.path, err)
	}
	enc, err := NewEncoder(rec, EncoderOptions{})
	if err != nil {
		return nil, fmt.Errorf("jsonl %s: %w", c.path, err)
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.open(); err != nil {
		return nil, err
	}
	// The batch is encoded into one buffer and written at once.
	resp := &sdk.WriteResponse{}
	buf := c.buf[:0]
	for i := 0; i < int(rec.NumRows()); i++ {
		if keys.IsNull(i) || keys.Value(i) == "" {
			resp.Failed = append(resp.Failed, sdk.RecordError{Row: i, Reason: fmt.Sprintf("the key %q is empty", req.Key)})
			continue
		}
		if buf, err = enc.AppendRow(buf, i); err != nil {
			resp.Failed = append(resp.Failed, sdk.RecordError{Row: i, Reason: err.Error()})
			continue
		}
		buf = append(buf, '\n')
	}
	c.buf = buf
	if _, err := c.f.Write(buf); err != nil {
		return nil, fmt.Errorf("jsonl %s: %w", c.path, err)
	}
	return resp, nil
}

// open creates or truncates the file at the connection's first write.
func (c *conn) open() error {
	if c.f != nil {
		return nil
	}
	if dir := filepath.Dir(c.path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("jsonl: %w", err)
		}
	}
	f, err := os.OpenFile(c.path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("jsonl: %w", err)
	}
	c.f = f
	return nil
}

// keyColumn returns rec's key column, which must be a string column.
func keyColumn(rec arrow.RecordBatch, key string) (*array.String, error) {
	idx := rec.Schema().FieldIndices(key)
	if len(idx) == 0 {
		return nil, fmt.Errorf("the batch has no key column %q", key)
	}
	col, ok := rec.Column(idx[0]).(*array.String)
	if !ok {
		return nil, fmt.Errorf("the key column %q is %s, not a string", key, rec.Column(idx[0]).DataType())
	}
	return col, nil
}
