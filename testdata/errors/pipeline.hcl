# A pipeline's own arguments: enums and required blocks.

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

pipeline "bad_mode" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  mode = "sync" # ERROR: Invalid value for mode
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

pipeline "bad_delete" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  on_source_delete = "drop" # ERROR: Invalid value for on_source_delete
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

pipeline "bad_unsubscribe" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  on_unsubscribe = "remove_from_lists" # ERROR: Invalid value for on_unsubscribe
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

pipeline "no_source" { # ERROR: Missing source block
  transform "contact" {
    fields = { "Contact Email" = "Email" }
  }
  sink {
    connection = connection.campaigns
    list       = "L"
    key        = "Contact Email"
  }
}

pipeline "no_sink" { # ERROR: Missing sink block
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
}

pipeline "bad name" { # ERROR: Invalid pipeline name
  source {
    connection = connection.recruit
    module     = "Candidates"
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

pipeline "sink_as_source" {
  source {
    connection = connection.campaigns # ERROR: Connector cannot be a source
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
    key        = "Contact Email"
  }
}

pipeline "source_as_sink" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  transform "contact" {
    fields = { "Contact Email" = "Email" }
  }
  sink {
    connection = connection.recruit # ERROR: Connector cannot be a sink
    list       = "L"
    key        = "Contact Email"
  }
}
