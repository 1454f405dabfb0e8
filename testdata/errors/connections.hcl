# Connections: connector types and their settings.

connection "typo" {
  connector = "zoho_recruits" # ERROR: Unknown connector type
}

connection "no_connector" { # ERROR: Missing required argument
  settings = {}
}

connection "unsupported" {
  connector = "zoho_recruit"
  settings = {
    client_id      = "id"
    client_secrets = "secret" # ERROR: Unsupported setting
    client_secret  = "secret"
    refresh_token  = "token"
  }
}

connection "missing_required" {
  connector = "zoho_recruit"
  settings = { # ERROR: Missing required setting
    client_id     = "id"
    client_secret = "secret"
  }
}

connection "bad_enum" {
  connector = "zoho_campaigns"
  settings = {
    data_center   = "us" # ERROR: Invalid setting value
    client_id     = "id"
    client_secret = "secret"
    refresh_token = "token"
  }
}

connection "bad_type" {
  connector = "zoho_campaigns"
  settings = {
    page_size     = "big" # ERROR: Invalid setting value
    client_id     = "id"
    client_secret = "secret"
    refresh_token = "token"
  }
}

connection "settings_not_object" {
  connector = "zoho_campaigns"
  settings  = "client_id=id" # ERROR: Invalid settings
}
