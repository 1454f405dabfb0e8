# An attribute written without its equals sign reads as a block header.
connection "recruit" {
  connector "zoho_recruit" # ERROR: Invalid block definition
}
