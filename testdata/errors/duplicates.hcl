# Names declared twice.

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

connection "recruit" { # ERROR: Duplicate connection
  connector = "zoho_recruit"
}

variable "list" {
  default = "a"
}

variable "list" { # ERROR: Duplicate variable
  default = "b"
}

pipeline "p" {
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
    key        = "Contact Email"
  }
}

pipeline "p" { # ERROR: Duplicate pipeline
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
    key        = "Contact Email"
  }
}

pipeline "two_transforms" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  transform "contact" {
    fields = { "Contact Email" = "Email" }
  }
  transform "contact" { # ERROR: Duplicate transform
    fields = { "Contact Email" = "$env['Contact Email']" }
  }
  sink {
    connection = connection.campaigns
    list       = "L"
    key        = "Contact Email"
  }
  sink { # ERROR: Duplicate sink block
    connection = connection.campaigns
    list       = "M"
    key        = "Contact Email"
  }
}

pipeline "twice_in_a_transform" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  transform "contact" {
    fields = {
      "Contact Email" = "Email"
      "Contact Email" = "lower(Email)" # ERROR: Duplicate field
    }
  }
  sink {
    connection = connection.campaigns
    list       = "L"
    key        = "Contact Email"
  }
}

connection "twice" {
  connector = "zoho_campaigns"
  settings = {
    client_id     = "id"
    client_id     = "id2" # ERROR: Duplicate setting
    client_secret = "secret"
    refresh_token = "token"
  }
}

settings {
  state = "sqlite:a.db"
}

settings { # ERROR: Duplicate settings block
  state = "sqlite:b.db"
}
