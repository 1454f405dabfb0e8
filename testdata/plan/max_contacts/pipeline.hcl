connection "people" {
  connector = "csv"
  settings = {
    path    = "data.csv"
    id      = "id"
    cursor  = "modified_at"
    deleted = "deleted"
  }
}

connection "mail" {
  connector = "lists"
  settings = {
    path = "lists.db"
  }
}

pipeline "golden" {
  source {
    connection = connection.people
  }
  criteria = "status == 'New' && experience >= 2"
  transform "contact" {
    fields = {
      "Email" = "lower(trim(email))"
      "Name"  = "name"
      "Years" = "experience"
    }
  }
  sink {
    connection = connection.mail
    list       = "Golden"
    create     = true
    key        = "Email"
  }
  quota {
    max_records = 100
  }
}

settings {
  limits {
    max_contacts = 3
  }
}
