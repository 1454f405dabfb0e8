# A string missing its closing quote runs to the end of the line.
connection "recruit" {
  connector = "zoho_recruit # ERROR: Invalid multi-line string
}
