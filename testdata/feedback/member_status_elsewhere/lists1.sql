INSERT INTO members VALUES ('Shortlist', 'zed@example.com', 'active', '{"First Name":"Zed"}', '2026-02-01T00:00:00Z');
INSERT INTO campaigns VALUES ('c1', 'Spring hiring', 'email', 'Shortlist', 'Subject of Spring hiring', 'jobs@example.com', '2026-03-01T08:00:00Z');
INSERT INTO events VALUES ('c1', 'ann@example.com', 'delivered', '2026-03-01T08:01:00Z');
INSERT INTO events VALUES ('c1', 'ann@example.com', 'opened', '2026-03-01T09:00:00Z');
INSERT INTO events VALUES ('c1', 'bob@example.com', 'delivered', '2026-03-01T08:01:00Z');
INSERT INTO events VALUES ('c1', 'zed@example.com', 'delivered', '2026-03-01T08:01:00Z');
INSERT INTO events VALUES ('c1', 'zed@example.com', 'clicked', '2026-03-01T10:00:00Z');
