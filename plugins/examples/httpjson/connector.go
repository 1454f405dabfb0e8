package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/sluice-sync/sluice/connectors/sdk"
)

// Name is the connector type name.
const Name = "http_json"

var settings = []sdk.Setting{
	{Name: "url", Type: sdk.TypeString, Required: true, Doc: "The URL of the first page of records."},
	{Name: "token", Type: sdk.TypeString, Sensitive: true, Doc: "A bearer token sent with each request."},
	{Name: "id", Type: sdk.TypeString, Required: true, Doc: "The record member holding each record's source id."},
	{Name: "fields", Type: sdk.TypeStringMap, Required: true,
		Doc: "The record members read, name to type: string, int, float, bool, time (RFC 3339) or []string."},
	{Name: "cursor", Type: sdk.TypeString, Doc: "A time member holding each record's modified time; it lets a pipeline use since."},
	{Name: "deleted", Type: sdk.TypeString, Doc: "A bool member marking deleted records, reported as tombstones."},
	{Name: "since_param", Type: sdk.TypeString, Doc: "A query parameter the API filters on by modified time (RFC 3339), for incremental reads."},
	{Name: "records", Type: sdk.TypeString, Default: "records", Doc: "The page member holding the records."},
	{Name: "next", Type: sdk.TypeString, Default: "next", Doc: "The page member holding the next page's URL; none or null ends the read."},
}

var types = map[string]arrow.DataType{
	"string": arrow.BinaryTypes.String, "int": arrow.PrimitiveTypes.Int64, "float": arrow.PrimitiveTypes.Float64,
	"bool": arrow.FixedWidthTypes.Boolean, "time": sdk.TimestampType, "[]string": arrow.ListOf(arrow.BinaryTypes.String),
}

// New returns the connector.
func New() sdk.Connector { return connector{} }

type connector struct{}

func (connector) Info() sdk.Info {
	return sdk.Info{
		Name: Name, Version: "0.1.0", Kinds: []sdk.Kind{sdk.KindSource}, Settings: settings,
		Doc: "Reads records from a paged HTTP JSON API: each page holds records and the URL of the next page.",
	}
}

func (connector) ValidateSettings(s sdk.Settings) []sdk.Problem {
	var ps []sdk.Problem
	fields := s.StringMap("fields")
	for name, typ := range fields {
		if types[typ] == nil {
			ps = append(ps, sdk.Problem{Setting: "fields", Summary: "Unknown field type",
				Detail: fmt.Sprintf("The field %q has type %q; use string, int, float, bool, time or []string.", name, typ)})
		}
	}
	if c := s.String("cursor"); c != "" && fields[c] != "time" {
		ps = append(ps, sdk.Problem{Setting: "cursor", Summary: "Cursor is not a time",
			Detail: fmt.Sprintf("The cursor %q must be one of the fields, with type time.", c)})
	}
	if u, err := url.Parse(s.String("url")); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		ps = append(ps, sdk.Problem{Setting: "url", Summary: "Invalid URL", Detail: "The url is an http or https URL."})
	}
	return ps
}

func (c connector) Open(ctx context.Context, req sdk.OpenRequest) (sdk.Conn, error) {
	s := req.Settings
	if ps := c.ValidateSettings(s); len(ps) > 0 {
		return nil, fmt.Errorf("%s: %s: %s", Name, ps[0].Summary, ps[0].Detail)
	}
	cn := &conn{url: s.String("url"), token: s.String("token"), id: s.String("id"), cursor: s.String("cursor"),
		deleted: s.String("deleted"), sinceParam: s.String("since_param"), records: s.String("records"), next: s.String("next"),
		client: &http.Client{Timeout: time.Minute}}
	// The id first, then the fields by name.
	fields := []arrow.Field{{Name: cn.id, Type: arrow.BinaryTypes.String}}
	for _, name := range sortedKeys(s.StringMap("fields")) {
		if name != cn.id {
			fields = append(fields, arrow.Field{Name: name, Type: types[s.StringMap("fields")[name]], Nullable: true})
		}
	}
	cn.schema = arrow.NewSchema(fields, nil)
	return cn, nil
}

type conn struct {
	sdk.NopClose
	url, token, id, cursor, deleted, sinceParam, records, next string
	schema                                                     *arrow.Schema
	client                                                     *http.Client
}

func (c *conn) Discover(ctx context.Context, req sdk.DiscoverRequest) (*sdk.DiscoverResponse, error) {
	if req.Stream != "" && req.Stream != "records" {
		return nil, fmt.Errorf("%s: no stream %q; the API's only stream is \"records\"", Name, req.Stream)
	}
	return &sdk.DiscoverResponse{Streams: []sdk.Stream{{Name: "records", Schema: c.schema, IDField: c.id,
		CursorField: c.cursor, Tombstones: c.deleted != ""}}}, nil
}

func (c *conn) Read(ctx context.Context, req sdk.ReadRequest, out sdk.ReadSink) error {
	if req.Stream != "" && req.Stream != "records" {
		return fmt.Errorf("%s: no stream %q; the API's only stream is \"records\"", Name, req.Stream)
	}
	w, err := sdk.NewBatchWriter(c.schema, req.BatchRows, out)
	if err != nil {
		return err
	}
	defer w.Release()
	next := c.url
	if c.sinceParam != "" && !req.Since.IsZero() {
		u, _ := url.Parse(next)
		q := u.Query()
		q.Set(c.sinceParam, req.Since.UTC().Format(time.RFC3339))
		u.RawQuery = q.Encode()
		next = u.String()
	}
	row := make([]any, len(c.schema.Fields()))
	for page := 1; next != ""; page++ {
		records, link, err := c.page(ctx, next)
		if err != nil {
			return err
		}
		for i, rec := range records {
			pos := fmt.Sprintf("page %d record %d", page, i+1)
			id, _ := value(rec[c.id], arrow.BinaryTypes.String)
			if id == nil {
				if err := out.Reject(sdk.RejectedRow{Position: pos, Reason: fmt.Sprintf("no id (%s)", c.id)}); err != nil {
					return err
				}
				continue
			}
			if del, _ := value(rec[c.deleted], arrow.FixedWidthTypes.Boolean); del == true {
				if err := out.Tombstones([]string{id.(string)}); err != nil {
					return err
				}
				continue
			}
			bad := ""
			for j, f := range c.schema.Fields() {
				if row[j], err = value(rec[f.Name], f.Type); err != nil {
					bad = fmt.Sprintf("%s: %v", f.Name, err)
					break
				}
			}
			if bad != "" {
				if err := out.Reject(sdk.RejectedRow{ID: id.(string), Position: pos, Reason: bad}); err != nil {
					return err
				}
				continue
			}
			if err := w.Append(row...); err != nil {
				return err
			}
		}
		if next, err = resolve(next, link); err != nil {
			return fmt.Errorf("%s: page %d: next page: %w", Name, page, err)
		}
	}
	return w.Flush()
}

// page fetches one page: its records and the link to the next.
func (c *conn) page(ctx context.Context, u string) ([]map[string]json.RawMessage, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, "", err
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", Name, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, "", fmt.Errorf("%s: GET %s: %w", Name, u, err)
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, "", fmt.Errorf("%s: GET %s: %s: %w", Name, u, resp.Status, sdk.ErrAuth)
	case resp.StatusCode == http.StatusTooManyRequests:
		after, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
		return nil, "", &sdk.RetryAfterError{Op: "GET " + u, After: time.Duration(after) * time.Second, Err: fmt.Errorf("%s", resp.Status)}
	case resp.StatusCode != http.StatusOK:
		return nil, "", fmt.Errorf("%s: GET %s: %s", Name, u, resp.Status)
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, "", fmt.Errorf("%s: GET %s: not a JSON object: %w", Name, u, err)
	}
	var records []map[string]json.RawMessage
	if err := json.Unmarshal(doc[c.records], &records); err != nil && len(doc[c.records]) > 0 {
		return nil, "", fmt.Errorf("%s: GET %s: %q is not a list of objects", Name, u, c.records)
	}
	var link string
	json.Unmarshal(doc[c.next], &link)
	return records, link, nil
}

// value converts a JSON value to the Go value of a column of type t; a
// missing value or null is nil.
func value(raw json.RawMessage, t arrow.DataType) (any, error) {
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	switch t.ID() {
	case arrow.STRING:
		switch x := v.(type) {
		case string:
			return x, nil
		case json.Number:
			return x.String(), nil
		}
	case arrow.INT64:
		if n, ok := v.(json.Number); ok {
			if i, err := n.Int64(); err == nil {
				return i, nil
			}
		}
	case arrow.FLOAT64:
		if n, ok := v.(json.Number); ok {
			return n.Float64()
		}
	case arrow.BOOL:
		if b, ok := v.(bool); ok {
			return b, nil
		}
	case arrow.TIMESTAMP:
		if s, ok := v.(string); ok {
			if tm, err := time.Parse(time.RFC3339, s); err == nil {
				return tm, nil
			}
		}
	case arrow.LIST:
		if items, ok := v.([]any); ok {
			out := make([]string, 0, len(items))
			for _, it := range items {
				s, ok := it.(string)
				if !ok {
					return nil, fmt.Errorf("%s is not a list of strings", raw)
				}
				out = append(out, s)
			}
			return out, nil
		}
	}
	return nil, fmt.Errorf("%s is not a %s", raw, t)
}

// resolve returns the next page's URL, link taken relative to the
// current page's; "" when there is none.
func resolve(current, link string) (string, error) {
	if strings.TrimSpace(link) == "" {
		return "", nil
	}
	base, err := url.Parse(current)
	if err != nil {
		return "", err
	}
	ref, err := url.Parse(link)
	if err != nil {
		return "", err
	}
	return base.ResolveReference(ref).String(), nil
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
