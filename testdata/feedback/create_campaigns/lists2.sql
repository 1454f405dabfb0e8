INSERT INTO campaigns VALUES ('c2', 'Summer hiring', 'email', 'Shortlist', 'Subject of Summer hiring', 'jobs@example.com', '2026-06-01T08:00:00Z');
