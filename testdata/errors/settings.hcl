# The org-wide settings block.

settings {
  state    = "mysql://localhost/sluice" # ERROR: Invalid state URL
  timezone = "Asia/Tokio" # ERROR: Unknown time zone

  limits {
    max_active_pipelines = 0 # ERROR: Value out of range
    max_contacts         = "lots" # ERROR: Incorrect attribute value type
    max_lists            = 3 # ERROR: Unsupported argument
  }
}
