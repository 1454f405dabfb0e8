UPDATE members SET status = 'unsubscribed' WHERE key = 'ann@example.com';
UPDATE members SET status = 'complained' WHERE key = 'bob@example.com';
INSERT INTO do_not_mail(key) VALUES ('cy@example.com');
