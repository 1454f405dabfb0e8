# Quotas and removal guards.

connection "recruit" {
  connector = "zoho_recruit"
  settings = {
    client_id     = "id"
    client_secret = "secret"
    refresh_token = "token"
  }
}

connection "campaigns" {
  connector = "zoho_campaigns"
  settings = {
    client_id     = "id"
    client_secret = "secret"
    refresh_token = "token"
  }
}

pipeline "zero_quota" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  quota {
    max_records = 0 # ERROR: Value out of range
  }
  transform "contact" {
    fields = {
      "Contact Email" = "lower(trim(Email))"
    }
  }
  sink {
    connection = connection.campaigns
    list       = "L"
    key        = "Contact Email"
  }
}

pipeline "over_100_percent" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  guard {
    max_removals = "150%" # ERROR: Invalid max_removals
  }
  transform "contact" {
    fields = {
      "Contact Email" = "lower(trim(Email))"
    }
  }
  sink {
    connection = connection.campaigns
    list       = "L"
    key        = "Contact Email"
  }
}

pipeline "negative_guard" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  guard {
    max_removals = -1 # ERROR: Invalid max_removals
  }
  transform "contact" {
    fields = {
      "Contact Email" = "lower(trim(Email))"
    }
  }
  sink {
    connection = connection.campaigns
    list       = "L"
    key        = "Contact Email"
  }
}

pipeline "empty_guard" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  guard { # ERROR: Missing required argument
  }
  transform "contact" {
    fields = {
      "Contact Email" = "lower(trim(Email))"
    }
  }
  sink {
    connection = connection.campaigns
    list       = "L"
    key        = "Contact Email"
  }
}

pipeline "guard_words" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  guard {
    max_removals = "ten" # ERROR: Invalid max_removals
  }
  transform "contact" {
    fields = { "Contact Email" = "Email" }
  }
  sink {
    connection = connection.campaigns
    list       = "L"
    key        = "Contact Email"
  }
}
