INSERT INTO campaigns VALUES ('c1', 'Spring hiring', 'email', 'Shortlist', 'Subject of Spring hiring', 'jobs@example.com', '2026-03-01T08:00:00Z');
INSERT INTO events VALUES ('c1', 'bob@example.com', 'opened', '2026-03-01T09:00:00Z');
