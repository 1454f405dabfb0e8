-- The applicant tracking system of the round-trip quickstart
-- (pipelines/quickstart_roundtrip.hcl): a sqlite source made from this
-- file on first use. Feedback writes back into it: the response columns
-- of candidates, and the campaigns, campaign_members and contacts tables.
CREATE TABLE candidates(
    id                     INTEGER PRIMARY KEY,
    first_name             TEXT,
    last_name              TEXT,
    email                  TEXT,
    city                   TEXT,
    status                 TEXT,     -- New | In-review | Rejected | Hired
    experience_years       INTEGER,
    modified_at            DATETIME,
    last_campaign_response TEXT,     -- written by feedback: the latest email campaign's response
    drip_response          TEXT      -- written by feedback: the latest autoresponder's response
);
INSERT INTO candidates (id, first_name, last_name, email, city, status, experience_years, modified_at) VALUES
    (101, 'Haruto', 'Sato',     'haruto.sato@example.jp',     'Tokyo',    'New',       4, '2026-01-05T09:00:00Z'),
    (102, 'Yui',    'Tanaka',   'Yui.Tanaka@example.jp',      'Osaka',    'In-review', 7, '2026-01-06T10:30:00Z'),
    (103, 'Sota',   'Suzuki',   'sota.suzuki@example.jp',     'Nagoya',   'Rejected',  3, '2026-01-07T08:15:00Z'),
    (104, 'Hina',   'Takahashi','hina.takahashi@example.jp',  'Sapporo',  'New',       1, '2026-01-08T11:45:00Z'),
    (105, 'Ren',    'Watanabe', 'ren.watanabe@example.jp',    'Fukuoka',  'In-review', 5, '2026-01-09T14:00:00Z'),
    (106, 'Mei',    'Ito',      'mei.ito@example.jp',         'Kobe',     'Hired',     9, '2026-01-10T16:20:00Z'),
    (107, 'Riku',   'Yamamoto', 'riku.yamamoto@example.jp',   'Kyoto',    'New',       2, '2026-01-11T07:50:00Z'),
    (108, 'Aoi',    'Nakamura', 'not-an-email',               'Sendai',   'New',       6, '2026-01-12T13:05:00Z');
