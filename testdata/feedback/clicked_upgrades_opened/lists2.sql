INSERT INTO events VALUES ('c1', 'ann@example.com', 'clicked', '2026-03-02T09:00:00Z');
INSERT INTO events VALUES ('c1', 'bob@example.com', 'unopened', '2026-03-03T08:00:00Z');
INSERT INTO events VALUES ('c1', 'ann@example.com', 'opened', '2026-03-02T10:00:00Z');
