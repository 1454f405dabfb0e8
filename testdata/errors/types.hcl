# Values of the wrong type.

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

pipeline "wrong_types" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  quota {
    max_records = "many" # ERROR: Incorrect attribute value type
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
    create     = "yes" # ERROR: Incorrect attribute value type
  }
}

pipeline "list_not_string" {
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
    list       = ["L"] # ERROR: Incorrect attribute value type
    key        = "Contact Email"
  }
}

pipeline "whole_number" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  quota {
    max_records = 2.5 # ERROR: Invalid value
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

pipeline "criteria_not_string" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  criteria = true # ERROR: Invalid expression
  transform "contact" {
    fields = { "Contact Email" = "Email" }
  }
  sink {
    connection = connection.campaigns
    list       = "L"
    key        = "Contact Email"
  }
}
