# Feedback: campaign types, sinks without events, sources without feedback.

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

connection "list" {
  connector = "plain_list"
}

connection "rows" {
  connector = "plain_rows"
}

pipeline "sms" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  feedback {
    status_field "sms" { # ERROR: Invalid status_field type
      module = "Candidates"
      field  = "Last_Campaign_Response"
    }
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

pipeline "no_events" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  feedback { # ERROR: Sink reports no events
    member_status = true
  }
  transform "contact" {
    fields = {
      "Contact Email" = "lower(trim(Email))"
    }
  }
  sink {
    connection = connection.list
    list       = "L"
    key        = "Contact Email"
  }
}

pipeline "no_feedback" {
  source {
    connection = connection.rows
    
  }
  feedback { # ERROR: Source accepts no feedback
    member_status = true
  }
  transform "contact" {
    fields = { "Contact Email" = "email" }
  }
  sink {
    connection = connection.campaigns
    list       = "L"
    key        = "Contact Email"
  }
}

pipeline "twice" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  feedback {
    status_field "email" {
      module = "Candidates"
      field  = "Last_Campaign_Response"
    }
    status_field "email" { # ERROR: Duplicate status_field
      module = "Candidates"
      field  = "Drip_Response"
    }
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

pipeline "push_without_module" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  feedback {
    push_recipients { # ERROR: Missing required argument
      fields = {
        "Email" = "$env['Contact Email']"
      }
    }
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

pipeline "mirror_on_plain_list" { # ERROR: Action not supported by the sink
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  mode = "mirror"
  transform "contact" {
    fields = {
      "Contact Email" = "lower(trim(Email))"
    }
  }
  sink {
    connection = connection.list
    list       = "L"
    key        = "Contact Email"
  }
}
