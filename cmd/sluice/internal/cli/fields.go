package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"text/tabwriter"

	"github.com/sluice-sync/sluice/dsl/rowexpr"
	"github.com/sluice-sync/sluice/engine"
)

// fieldsDoc is the -json form of `sluice fields`.
type fieldsDoc struct {
	Pipeline string       `json:"pipeline"`
	Source   fieldsSide   `json:"source"`
	Stages   []fieldStage `json:"transforms"`
	Sink     fieldsSink   `json:"sink"`
}

type fieldsSide struct {
	Connection string      `json:"connection"`
	Connector  string      `json:"connector"`
	Stream     string      `json:"stream"`
	IDField    string      `json:"id_field"`
	Cursor     string      `json:"cursor_field,omitempty"`
	Fields     []fieldType `json:"fields"`
}

type fieldStage struct {
	Name   string      `json:"name"`
	Fields []fieldType `json:"fields"`
}

type fieldType struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

type fieldsSink struct {
	Connection string      `json:"connection"`
	Connector  string      `json:"connector"`
	List       string      `json:"list"`
	Key        string      `json:"key"`
	KeyKind    string      `json:"key_kind"`
	OpenFields bool        `json:"open_fields"`
	Fields     []fieldType `json:"fields"`
}

func runFields(e *env, args []string) int {
	fs := e.flagSet("fields", "[DIR|FILE] -pipeline NAME")
	var c common
	c.register(fs, true)
	jsonOut := fs.Bool("json", false, "print the fields as one JSON document")
	pos, err := parse(fs, args)
	if err != nil {
		return exitForParse(err)
	}
	ctx := context.Background()
	s := e.open(ctx, &c, defaultPaths(pos), e.color && !c.noColor)
	if s == nil {
		return ExitError
	}
	defer s.close()
	if c.pipeline == "" && len(s.names) > 1 {
		fmt.Fprintf(e.stderr, "Error: name the pipeline with -pipeline (one of %s).\n", joinNames(s.names))
		return ExitError
	}
	r := s.resolved[s.names[0]]
	doc := describeFields(s, r)
	if *jsonOut {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		enc.Encode(doc)
		return ExitOK
	}
	writeFields(e.stdout, doc)
	return ExitOK
}

func typed(fs []rowexpr.Field) []fieldType {
	out := make([]fieldType, len(fs))
	for i, f := range fs {
		out[i] = fieldType{f.Name, f.Type.String()}
	}
	return out
}

func describeFields(s *session, r *engine.Resolved) fieldsDoc {
	p := r.Pipeline
	src, snk := s.cfg.Connections[p.Source.Connection], s.cfg.Connections[p.Sink.Connection]
	doc := fieldsDoc{Pipeline: p.Name}
	doc.Source = fieldsSide{Connection: src.Name, Connector: src.Connector, Stream: r.Stream.Name,
		IDField: r.Stream.IDField, Cursor: r.Stream.CursorField, Fields: typed(r.Program.Input)}
	doc.Stages = []fieldStage{}
	for _, st := range r.Program.Stages {
		doc.Stages = append(doc.Stages, fieldStage{Name: st.Name, Fields: typed(st.Out)})
	}
	doc.Sink = fieldsSink{Connection: snk.Name, Connector: snk.Connector, List: p.Sink.List, Key: p.Sink.Key, Fields: []fieldType{}}
	if r.Sink != nil {
		doc.Sink.KeyKind = r.Sink.KeyKind.String()
		doc.Sink.OpenFields = r.Sink.OpenFields
		for _, f := range r.Sink.Fields {
			doc.Sink.Fields = append(doc.Sink.Fields, fieldType{f.Name, f.Type})
		}
	}
	return doc
}

func writeFields(w io.Writer, d fieldsDoc) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "Source: connection %q (%s), stream %q\n", d.Source.Connection, d.Source.Connector, d.Source.Stream)
	for _, f := range d.Source.Fields {
		note := ""
		switch f.Name {
		case d.Source.IDField:
			note = "id"
		case d.Source.Cursor:
			note = "cursor"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", f.Name, f.Type, note)
	}
	for _, st := range d.Stages {
		fmt.Fprintf(tw, "\nAfter transform %q:\n", st.Name)
		for _, f := range st.Fields {
			note := ""
			if f.Name == d.Sink.Key {
				note = "key"
			}
			fmt.Fprintf(tw, "  %s\t%s\t%s\n", f.Name, f.Type, note)
		}
	}
	fmt.Fprintf(tw, "\nSink: connection %q (%s), list %q, key %q (%s)\n", d.Sink.Connection, d.Sink.Connector, d.Sink.List, d.Sink.Key, d.Sink.KeyKind)
	if d.Sink.OpenFields {
		fmt.Fprintf(tw, "  any field name is accepted\n")
	}
	for _, f := range d.Sink.Fields {
		fmt.Fprintf(tw, "  %s\t%s\t\n", f.Name, f.Type)
	}
	tw.Flush()
}
