# Transforms: types, unknown fields, drop, empty blocks.

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

pipeline "lower_of_int" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  transform "contact" {
    fields = {
      "Contact Email" = "lower(trim(Email))"
      "First Name"    = "lower(Experience_in_Years)" # ERROR: Type mismatch
    }
  }
  sink {
    connection = connection.campaigns
    list       = "L"
    key        = "Contact Email"
  }
}

pipeline "string_plus_int" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  transform "contact" {
    fields = {
      "Contact Email" = "Email"
      "Lead Source"   = "City + Experience_in_Years" # ERROR: Type mismatch
    }
  }
  sink {
    connection = connection.campaigns
    list       = "L"
    key        = "Contact Email"
  }
}

pipeline "env_unknown" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  transform "contact" {
    set = {
      "Contact Email" = "lower(Email)"
    }
  }
  transform "project" {
    fields = {
      "Contact Email" = "$env['Contact Email']"
      "First Name"    = "$env['First Nme']" # ERROR: Unknown field
    }
  }
  sink {
    connection = connection.campaigns
    list       = "L"
    key        = "Contact Email"
  }
}

pipeline "drop_unknown" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  transform "contact" {
    fields = {
      "Contact Email" = "Email"
      "City"          = "City"
    }
    drop = ["Cty"] # ERROR: Unknown field in drop
  }
  sink {
    connection = connection.campaigns
    list       = "L"
    key        = "Contact Email"
  }
}

pipeline "empty_transform" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  transform "contact" {
    fields = { "Contact Email" = "Email" }
  }
  transform "nothing" { # ERROR: Empty transform
  }
  sink {
    connection = connection.campaigns
    list       = "L"
    key        = "Contact Email"
  }
}

pipeline "literal_without_quotes" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  transform "contact" {
    fields = {
      "Contact Email" = "Email"
      "Lead Source"   = 42 # ERROR: Invalid expression
    }
  }
  sink {
    connection = connection.campaigns
    list       = "L"
    key        = "Contact Email"
  }
}

pipeline "fields_not_object" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  transform "contact" {
    fields = ["Email"] # ERROR: Invalid fields
  }
  sink {
    connection = connection.campaigns
    list       = "L"
    key        = "Email"
  }
}

pipeline "drop_not_list" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  transform "contact" {
    fields = { "Contact Email" = "Email", "City" = "City" }
    drop   = "City" # ERROR: Incorrect attribute value type
  }
  sink {
    connection = connection.campaigns
    list       = "L"
    key        = "Contact Email"
  }
}

pipeline "unnamed_transform" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  transform { # ERROR: Missing name for transform
    fields = { "Contact Email" = "Email" }
  }
  sink {
    connection = connection.campaigns
    list       = "L"
    key        = "Contact Email"
  }
}
