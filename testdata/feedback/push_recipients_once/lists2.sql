INSERT INTO members VALUES ('Shortlist', 'yan@example.com', 'active', '{"First Name":"Yan"}', '2026-02-01T00:00:00Z');
INSERT INTO events VALUES ('c1', 'zed@example.com', 'opened', '2026-03-01T10:00:00Z');
INSERT INTO events VALUES ('c1', 'yan@example.com', 'delivered', '2026-03-01T08:01:00Z');
