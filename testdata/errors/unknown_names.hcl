# Names the language does not know: a block type, an argument, a nested
# block, each with the name it most likely meant.

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

pipline "typo" { # ERROR: Unsupported block type
}

pipeline "unknown_argument" {
  source {
    connection = connection.recruit
    module     = "Candidates"
    views      = "Shortlisted" # ERROR: Unsupported argument
  }
  criterias = "Email != ''" # ERROR: Unsupported argument
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

pipeline "unknown_block" {
  source {
    connection = connection.recruit
    module     = "Contacts"
  }
  transform "contact" {
    fields = { "Contact Email" = "Email" }
  }
  sink {
    connection = connection.campaigns
    list       = "L"
    key        = "Contact Email"
  }
  schedul { # ERROR: Unsupported block type
    repeat = "daily"
  }
}

pipeline { # ERROR: Missing name for pipeline
}

connection "extra" {
  connector = "zoho_recruit"
  setting = { client_id = "x" } # ERROR: Unsupported argument
}

settings "org" { # ERROR: Extraneous label for settings
  state = "sqlite:state.db"
}
