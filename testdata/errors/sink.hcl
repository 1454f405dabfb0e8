# Sinks: the key and the fields a sink takes.

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

pipeline "key_not_produced" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  transform "contact" {
    fields = {
      "Contact Email" = "lower(trim(Email))"
    }
  }
  sink {
    connection = connection.campaigns
    list       = "L"
    key        = "Email" # ERROR: Key not produced
  }
}

pipeline "unknown_sink_field" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  transform "contact" {
    fields = {
      "Contact Email" = "lower(Email)"
      "Frist Name"    = "First_Name" # ERROR: Unknown sink field
    }
  }
  sink {
    connection = connection.campaigns
    list       = "L"
    key        = "Contact Email"
  }
}

pipeline "key_not_string" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  transform "contact" {
    fields = {
      "Contact Email" = "Experience_in_Years"
    }
  }
  sink {
    connection = connection.campaigns
    list       = "L"
    key        = "Contact Email" # ERROR: Key has the wrong type
  }
}

pipeline "no_key" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  transform "contact" {
    fields = { "Contact Email" = "Email" }
  }
  sink { # ERROR: Missing required argument
    connection = connection.campaigns
    list       = "L"
  }
}

pipeline "empty_list" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  transform "contact" {
    fields = {
      "Contact Email" = "lower(trim(Email))"
    }
  }
  sink {
    connection = connection.campaigns
    list       = " " # ERROR: Empty list name
    key        = "Contact Email"
  }
}

pipeline "source_fields_reach_sink" {
  source {
    connection = connection.recruit
    module     = "Contacts"
  }
  transform "contact" { # ERROR: Unknown sink field
    set = { "Contact Email" = "lower(Email)" }
  }
  sink {
    connection = connection.campaigns
    list       = "L"
    key        = "Contact Email"
  }
}
