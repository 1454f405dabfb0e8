# Sources: modules, views, since and look_back. A view or a since the
# stream cannot honour is found when its schema is read, and reported at
# the source block.

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

connection "rows" {
  connector = "plain_rows"
}

pipeline "unknown_module" {
  source {
    connection = connection.recruit
    module     = "Candidate" # ERROR: Unknown module
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

pipeline "since_not_rfc3339" {
  source {
    connection = connection.recruit
    module     = "Candidates"
    since      = "2026-01-01" # ERROR: Invalid since
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

pipeline "bad_look_back" {
  source {
    connection = connection.recruit
    module     = "Candidates"
    look_back  = "5 minutes" # ERROR: Invalid look_back
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

pipeline "unknown_view" {
  source { # ERROR: Unknown view
    connection = connection.recruit
    module     = "Candidates"
    view       = "Shortlist"
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

pipeline "since_without_cursor" {
  source { # ERROR: Source has no cursor
    connection = connection.rows
    since      = "2026-01-01T00:00:00Z"
  }
  transform "contact" {
    fields = {
      "Contact Email" = "email"
    }
  }
  sink {
    connection = connection.campaigns
    list       = "L"
    key        = "Contact Email"
  }
}

pipeline "several_streams" {
  source { # ERROR: Missing module
    connection = connection.recruit
    
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

pipeline "no_connection" {
  source { # ERROR: Missing required argument
    module = "Candidates"
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
