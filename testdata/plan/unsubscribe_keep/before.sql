UPDATE members SET status = 'unsubscribed' WHERE key = 'bob@example.com';
