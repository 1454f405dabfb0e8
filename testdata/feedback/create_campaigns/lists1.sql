INSERT INTO campaigns VALUES ('c1', 'Spring hiring', 'email', 'Shortlist', 'Subject of Spring hiring', 'jobs@example.com', '2026-03-01T08:00:00Z');
INSERT INTO campaigns VALUES ('a1', 'Welcome drip', 'autoresponder', 'Shortlist', 'Subject of Welcome drip', 'jobs@example.com', '2026-02-20T08:00:00Z');
INSERT INTO events VALUES ('c1', 'ann@example.com', 'delivered', '2026-03-01T08:01:00Z');
