# Plugin blocks: the binary must be pinned by its sha256.

plugin "no_hash" { # ERROR: Missing required argument
  path = "./bin/sluice-plugin-hubspot"
}

plugin "short_hash" {
  path   = "./bin/sluice-plugin-hubspot"
  sha256 = "abc123" # ERROR: Invalid sha256
}

plugin "not_hex" {
  path   = "./bin/sluice-plugin-hubspot"
  sha256 = "zz9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a" # ERROR: Invalid sha256
}

plugin "no_hash" { # ERROR: Duplicate plugin
  path   = "./bin/other"
  sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a"
}
