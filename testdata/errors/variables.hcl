# Variables: types, defaults, names.

variable "count" {
  type    = number
  default = "many" # ERROR: Invalid default value for variable
}

variable "required" { # ERROR: No value for required variable
  type = string
}

variable "bad_type" {
  type    = strin # ERROR: Invalid type specification
  default = "x"
}

variable "list" {
  default = "L"
}

variable "unknown_arg" {
  default  = "x"
  secret   = true # ERROR: Unsupported argument
}

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

pipeline "uses_undeclared" {
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
    list       = var.lst # ERROR: Reference to undeclared variable
    key        = "Contact Email"
  }
}

variable "token" {
  default   = "tok"
  sensitive = true
}

variable "2nd" { # ERROR: Invalid variable name
  default = "x"
}

pipeline "sensitive_list" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  transform "contact" {
    fields = { "Contact Email" = "Email" }
  }
  sink {
    connection = connection.campaigns
    list       = var.token # ERROR: Sensitive value not allowed here
    key        = "Contact Email"
  }
}
