INSERT INTO events VALUES ('c1', 'yan@example.com', 'clicked', '2026-03-02T08:01:00Z');
