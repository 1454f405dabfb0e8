# The least a pipeline needs: a source, a sink and its key.
connection "ats" {
  connector = "zoho_recruit"
  settings = {
    client_id     = "id"
    client_secret = "secret"
    refresh_token = "token"
  }
}

connection "mail" {
  connector = "zoho_campaigns"
  settings = {
    client_id     = "id"
    client_secret = "secret"
    refresh_token = "token"
  }
}

pipeline "everyone" {
  source {
    connection = connection.ats
    module     = "Contacts"
  }
  transform "contact" {
    fields = {
      "Contact Email" = "lower(trim(Email ?? ''))"
    }
  }
  sink {
    connection = connection.mail
    list       = "Everyone"
    key        = "Contact Email"
  }
}
