# References to things that are not declared, or not written as references.

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

pipeline "undeclared" {
  source {
    connection = connection.nope # ERROR: Reference to undeclared connection
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

pipeline "quoted" {
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
    connection = "campaigns" # ERROR: Invalid reference
    list       = "L"
    key        = "Contact Email"
  }
}

pipeline "undeclared_variable" {
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
    list       = var.nope # ERROR: Reference to undeclared variable
    key        = "Contact Email"
  }
}

pipeline "misspelled" {
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
    connection = connection.campaign # ERROR: Reference to undeclared connection
    list       = "L"
    key        = "Contact Email"
  }
}

pipeline "wrong_kind" {
  source {
    connection = var.recruit # ERROR: Invalid reference
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

variable "list_name" {
  default = "L"
}

pipeline "bare_variable" {
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
    list       = list_name # ERROR: Unknown variable
    key        = "Contact Email"
  }
}
