CREATE TABLE candidates(id INTEGER PRIMARY KEY, email TEXT, first_name TEXT, status TEXT);
INSERT INTO candidates VALUES
  (1, 'Ann@example.com', 'Ann', 'shortlisted'),
  (2, 'bob@example.com', 'Bob', 'shortlisted'),
  (3, 'cy@example.com', 'Cy', 'shortlisted'),
  (4, 'dee@example.com', 'Dee', 'rejected');
