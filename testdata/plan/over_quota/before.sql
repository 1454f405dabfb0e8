UPDATE members SET status = 'bounced' WHERE key = 'fay@example.com';
