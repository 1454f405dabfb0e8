INSERT INTO campaigns VALUES ('a1', 'Welcome drip', 'autoresponder', 'Shortlist', 'Subject of Welcome drip', 'jobs@example.com', '2026-02-20T08:00:00Z');
INSERT INTO campaigns VALUES ('a2', 'Second drip', 'autoresponder', 'Shortlist', 'Subject of Second drip', 'jobs@example.com', '2026-02-27T08:00:00Z');
INSERT INTO events VALUES ('a1', 'ann@example.com', 'opened', '2026-02-20T09:00:00Z');
INSERT INTO events VALUES ('a2', 'ann@example.com', 'delivered', '2026-02-27T08:01:00Z');
INSERT INTO events VALUES ('a1', 'bob@example.com', 'clicked', '2026-02-20T09:00:00Z');
