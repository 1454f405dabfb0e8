// Package report reads the campaigns and responses the state keeps and
// shapes them into reports: every campaign with its counts per response
// (Campaigns); one campaign's overview, counts and rates per response and
// the recipients of one response, by the source module they came from
// (CampaignDetail); one source record's campaigns and its response in each
// (Record). Each renders as text, JSON or CSV (WriteCampaigns,
// WriteCampaign, WriteRecord).
//
// Reports read only the state: campaigns and events are kept by sink
// connection and list, and provenance is never deleted, so a report
// outlives the pipeline that gathered its responses. A recipient's status
// in a campaign follows engine.StatusRank.
//
// What this package is not: it does not read sinks or write anything;
// `sluice feedback` gathers the events it reports on.
package report
