# Schedules: enums, times, time zones, days.

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

pipeline "hourly" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  schedule {
    repeat = "hourly" # ERROR: Invalid value for repeat
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

pipeline "late" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  schedule {
    repeat = "daily"
    at     = "25:00" # ERROR: Invalid time of day
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

pipeline "mars" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  schedule {
    repeat   = "daily"
    at       = "09:00"
    timezone = "Mars/Olympus_Mons" # ERROR: Unknown time zone
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

pipeline "funday" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  schedule {
    repeat = "weekly"
    at     = "09:00"
    on     = "funday" # ERROR: Invalid weekday
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

pipeline "day_31" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  schedule {
    repeat = "monthly"
    at     = "09:00"
    on     = 31 # ERROR: Invalid day of the month
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

pipeline "no_time" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  schedule { # ERROR: Missing time of day
    repeat = "daily"
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

pipeline "no_weekday" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  schedule { # ERROR: Missing weekday
    repeat = "weekly"
    at     = "09:00"
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

pipeline "daily_on" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  schedule {
    repeat = "daily"
    at     = "09:00"
    on     = "monday" # ERROR: Unexpected on
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

pipeline "no_repeat" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  schedule { # ERROR: Missing required argument
    at = "09:00"
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
