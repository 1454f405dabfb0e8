# A block opened and never closed: the parser reports its opening brace.
connection "recruit" { # ERROR: Unclosed configuration block
  connector = "zoho_recruit"
