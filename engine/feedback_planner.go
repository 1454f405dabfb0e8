package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/sluice-sync/sluice/connectors/sdk"
	"github.com/sluice-sync/sluice/engine/plan"
	"github.com/sluice-sync/sluice/engine/state"
)

// doneMarker encodes the parts of a done marker's target unambiguously.
func doneMarker(parts ...string) string {
	b, _ := json.Marshal(parts)
	return string(b)
}

func parseDoneMarker(s string) []string {
	var parts []string
	if json.Unmarshal([]byte(s), &parts) != nil {
		return nil
	}
	return parts
}

// fbResponse is a recipient's status in one campaign: its most advanced
// event, and when it happened (the earliest such event).
type fbResponse struct {
	typ sdk.EventType
	at  time.Time
	key string
}

// better reports whether r is a more advanced status than o; on a tie the
// earlier one, then the smaller key, wins.
func (r fbResponse) better(o fbResponse) bool {
	if a, b := StatusRank(r.typ), StatusRank(o.typ); a != b {
		return a > b
	}
	if !r.at.Equal(o.at) {
		return r.at.Before(o.at)
	}
	return r.key < o.key
}

// sourceRecord is a record of the pipeline's source.
type sourceRecord struct{ module, id string }

type campaignKey struct{ campaign, key string }

type memberRef struct {
	campaign string
	rec      sourceRecord
}

// feedbackPlanner holds what the plan is computed from.
type feedbackPlanner struct {
	f         *FeedbackSync
	pl        *FeedbackPlan
	conn      string
	campaigns map[string]state.Campaign
	responses map[campaignKey]fbResponse
	keys      []string                // every recipient, sorted
	records   map[string]sourceRecord // recipients this pipeline put on the list
	same      map[string]bool         // recipients another pipeline of the same source put on it
	done      map[string]state.KeySet // done markers by kind
	fields    map[string]map[string]string
}

// Plan computes what the feedback run would write into the source, from
// the campaigns and events the state holds for the pipeline's list (in
// makes the events just read part of them; nil plans from the state
// alone), the provenance of each recipient and the writes already made.
// It writes nothing.
//
// A recipient came from the source when this pipeline put its key on the
// list; its record is the one the snapshot holds for the key, or else the
// latest that provenance names. Recipients that another pipeline reading
// the same source connection put on the list are that pipeline's to write
// back, and are left alone; the others came from elsewhere.
func (f *FeedbackSync) Plan(ctx context.Context, in *FeedbackIngest) (*FeedbackPlan, error) {
	s := f.Sync
	p := s.Resolved.Pipeline
	idx, ok := s.Store.(state.FeedbackIndex)
	if !ok {
		return nil, fmt.Errorf("the state store cannot list feedback records in bulk")
	}
	if in == nil {
		wm, err := s.Store.Watermark(ctx, p.Name, state.WatermarkFeedback)
		if err != nil {
			return nil, err
		}
		in = &FeedbackIngest{From: wm.Checkpoint, To: wm.Checkpoint}
	}
	pl := &FeedbackPlan{Pipeline: p.Name, Created: s.Now.UTC(), ConfigHash: f.ConfigHash(), From: in.From, To: in.To}
	serial, err := s.Store.Serial(ctx, p.Name)
	if err != nil {
		return nil, err
	}
	pl.StateSerial = serial
	pl.Summary.Events, pl.Summary.NewEvents, pl.Summary.Suppressed = in.Events, in.NewEvents, in.Suppressed

	fp := &feedbackPlanner{f: f, pl: pl, conn: p.Sink.Connection, campaigns: map[string]state.Campaign{},
		responses: map[campaignKey]fbResponse{}, records: map[string]sourceRecord{}, same: map[string]bool{},
		done: map[string]state.KeySet{}, fields: in.fields}
	if err := fp.load(ctx, idx); err != nil {
		return nil, err
	}
	fb := p.Feedback
	if fb.CreateCampaigns {
		fp.createCampaigns()
	}
	if fb.MemberStatus {
		fp.memberStatus()
	}
	for _, sf := range fb.StatusFields {
		fp.statusField(sf.Type, sf.Module, sf.Field)
	}
	if pr := fb.PushRecipients; pr != nil {
		fp.push(pr.Module)
	}
	pl.Normalize()
	return pl, nil
}

// load reads the campaigns, events, provenance, snapshot and done markers.
func (fp *feedbackPlanner) load(ctx context.Context, idx state.FeedbackIndex) error {
	s := fp.f.Sync
	p := s.Resolved.Pipeline
	list := p.Sink.List
	cs, err := s.Store.Campaigns(ctx, fp.conn, list)
	if err != nil {
		return err
	}
	for _, c := range cs {
		fp.campaigns[c.Key] = c
	}
	fp.pl.Summary.Campaigns = len(cs)
	seen := map[string]bool{}
	err = s.Store.Events(ctx, state.EventQuery{Connection: fp.conn, List: list}, func(e state.Event) error {
		r := fbResponse{typ: e.Type, at: e.At, key: e.Key}
		k := campaignKey{e.Campaign, e.Key}
		if prev, ok := fp.responses[k]; !ok || r.better(prev) {
			fp.responses[k] = r
		}
		if !seen[e.Key] {
			seen[e.Key] = true
			fp.keys = append(fp.keys, e.Key)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(fp.keys)

	regs, err := s.Store.Pipelines(ctx)
	if err != nil {
		return err
	}
	sourceOf := map[string]string{}
	for _, r := range regs {
		sourceOf[r.Name] = r.SourceConnection
	}
	own := map[string][]state.Provenance{}
	err = idx.EachProvenance(ctx, fp.conn, list, func(v state.Provenance) error {
		switch {
		case v.Pipeline == p.Name:
			own[v.Key] = append(own[v.Key], v)
		case sourceOf[v.Pipeline] == p.Source.Connection:
			fp.same[v.Key] = true
		}
		return nil
	})
	if err != nil {
		return err
	}
	ownKeys := make([]string, 0, len(own))
	for k := range own {
		ownKeys = append(ownKeys, k)
	}
	sort.Strings(ownKeys)
	current, err := s.Store.MembersByKey(ctx, p.Name, ownKeys)
	if err != nil {
		return err
	}
	for _, k := range ownKeys {
		provs := own[k]
		rec := sourceRecord{module: provs[len(provs)-1].Module, id: provs[len(provs)-1].SourceID}
		if m, ok := current[k]; ok {
			rec = sourceRecord{module: s.Resolved.Stream.Name, id: m.SourceID}
			for _, v := range provs {
				if v.SourceID == m.SourceID {
					rec.module = v.Module
				}
			}
		}
		fp.records[k] = rec
	}
	for _, k := range fp.keys {
		if _, ok := fp.records[k]; ok {
			fp.pl.Summary.FromSource++
		} else {
			fp.pl.Summary.Elsewhere++
		}
	}
	fp.pl.Summary.Recipients = len(fp.keys)
	for _, a := range []FeedbackAction{CreateCampaign, SetMemberStatus, SetStatusField, PushRecipient} {
		set, err := idx.DoneTargets(ctx, p.Name, a.doneKind())
		if err != nil {
			return err
		}
		fp.done[a.doneKind()] = set
	}
	return nil
}

func (fp *feedbackPlanner) write(w FeedbackWrite) {
	if fp.done[w.Action.doneKind()].Has(w.Marker) {
		fp.pl.Summary.Unchanged++
		return
	}
	fp.pl.Writes = append(fp.pl.Writes, w)
}

// createCampaigns plans one record per campaign of the list.
func (fp *feedbackPlanner) createCampaigns() {
	for _, c := range fp.campaigns {
		fp.write(FeedbackWrite{
			Action: CreateCampaign, Module: CampaignsModule, Match: FieldCampaignKey, Campaign: c.Key,
			Record: map[string]plan.Value{
				FieldCampaignKey: plan.StringVal(c.Key), FieldName: plan.StringVal(c.Name),
				FieldType: plan.StringVal(c.Type.String()), FieldList: plan.StringVal(c.List),
				FieldSubject: plan.StringVal(c.Subject), FieldSender: plan.StringVal(c.Sender),
				FieldSentAt: plan.TimeVal(c.SentAt),
			},
			Marker: doneMarker(fp.conn, c.Key),
		})
	}
}

// memberStatus plans each source record's status in each campaign: the
// most advanced response of the recipients it was put on the list as.
func (fp *feedbackPlanner) memberStatus() {
	best := map[memberRef]fbResponse{}
	for ck, r := range fp.responses {
		rec, ok := fp.records[ck.key]
		if !ok {
			continue // from elsewhere: not ours to write
		}
		ref := memberRef{ck.campaign, rec}
		if prev, ok := best[ref]; !ok || r.better(prev) {
			best[ref] = r
		}
	}
	// What earlier runs wrote, for the plan's before → after.
	before := map[memberRef]sdk.EventType{}
	for t := range fp.done[SetMemberStatus.doneKind()] {
		parts := parseDoneMarker(t)
		if len(parts) != 5 || parts[0] != fp.conn {
			continue
		}
		typ, _ := sdk.ParseEventType(parts[4])
		ref := memberRef{parts[1], sourceRecord{parts[2], parts[3]}}
		if StatusRank(typ) > StatusRank(before[ref]) {
			before[ref] = typ
		}
	}
	for ref, r := range best {
		status := r.typ.String()
		w := FeedbackWrite{
			Action: SetMemberStatus, Module: CampaignMembersModule, Match: FieldMemberID,
			Campaign: ref.campaign, Key: r.key, SourceID: ref.rec.id, Status: status,
			Record: map[string]plan.Value{
				FieldMemberID:    plan.StringVal(ref.campaign + "/" + ref.rec.module + "/" + ref.rec.id),
				FieldCampaignKey: plan.StringVal(ref.campaign),
				FieldModule:      plan.StringVal(ref.rec.module),
				FieldRecordID:    plan.StringVal(ref.rec.id),
				FieldMemberKey:   plan.StringVal(r.key),
				FieldStatus:      plan.StringVal(status),
				FieldStatusAt:    plan.TimeVal(r.at),
			},
			Marker: doneMarker(fp.conn, ref.campaign, ref.rec.module, ref.rec.id, status),
		}
		if b, ok := before[ref]; ok {
			w.Before = b.String()
		}
		fp.write(w)
	}
}

// later reports whether campaign a was sent after campaign b (then by key).
func (fp *feedbackPlanner) later(a, b string) bool {
	ta, tb := fp.campaigns[a].SentAt, fp.campaigns[b].SentAt
	if !ta.Equal(tb) {
		return ta.After(tb)
	}
	return a > b
}

// statusField plans, for each source record, its status in the latest
// campaign of typ it received, written into field of module.
func (fp *feedbackPlanner) statusField(typ sdk.CampaignType, module, field string) {
	type latest struct {
		campaign string
		r        fbResponse
	}
	last := map[sourceRecord]latest{}
	for ck, r := range fp.responses {
		c, ok := fp.campaigns[ck.campaign]
		if !ok || c.Type != typ {
			continue
		}
		rec, ok := fp.records[ck.key]
		if !ok || !strings.EqualFold(rec.module, module) {
			continue
		}
		prev, ok := last[rec]
		switch {
		case !ok, ck.campaign != prev.campaign && fp.later(ck.campaign, prev.campaign),
			ck.campaign == prev.campaign && r.better(prev.r):
			last[rec] = latest{ck.campaign, r}
		}
	}
	// What earlier runs wrote into the field: the status of the latest
	// campaign they wrote, its most advanced one.
	before := map[string]latest{}
	for t := range fp.done[SetStatusField.doneKind()] {
		parts := parseDoneMarker(t)
		if len(parts) != 6 || parts[0] != typ.String() || !strings.EqualFold(parts[1], module) || parts[2] != field {
			continue
		}
		et, _ := sdk.ParseEventType(parts[5])
		cur := latest{parts[4], fbResponse{typ: et}}
		prev, ok := before[parts[3]]
		if !ok || (cur.campaign != prev.campaign && fp.later(cur.campaign, prev.campaign)) ||
			(cur.campaign == prev.campaign && StatusRank(et) > StatusRank(prev.r.typ)) {
			before[parts[3]] = cur
		}
	}
	idField := fp.f.Sync.Resolved.Stream.IDField
	for rec, l := range last {
		status := l.r.typ.String()
		w := FeedbackWrite{
			Action: SetStatusField, Module: module, Match: idField, Campaign: l.campaign, Key: l.r.key,
			SourceID: rec.id, Field: field, Status: status,
			Record: map[string]plan.Value{idField: plan.StringVal(rec.id), field: plan.StringVal(status)},
			Marker: doneMarker(typ.String(), module, field, rec.id, l.campaign, status),
		}
		if b, ok := before[rec.id]; ok {
			w.Before = b.r.typ.String()
		}
		fp.write(w)
	}
}

// push plans a record in module for each recipient from elsewhere, once.
func (fp *feedbackPlanner) push(module string) {
	for _, key := range fp.keys {
		if _, ours := fp.records[key]; ours || fp.same[key] {
			continue
		}
		m := doneMarker(fp.conn, key, module)
		if fp.done[PushRecipient.doneKind()].Has(m) {
			fp.pl.Summary.Unchanged++
			continue
		}
		rec, reason := fp.f.Program.pushRecord(key, fp.fields[key])
		if reason != "" {
			fp.pl.Skipped = append(fp.pl.Skipped, FeedbackSkip{Action: PushRecipient, Key: key, Reason: reason})
			continue
		}
		fp.pl.Writes = append(fp.pl.Writes, FeedbackWrite{Action: PushRecipient, Module: module, Key: key, Record: rec, Marker: m})
	}
}
