connection "recruit" {
  connector = "sqlite"
  settings = {
    path  = "src.db"
    table = "candidates"
  }
}

connection "mail" {
  connector = "lists"
  settings = { path = "lists.db" }
}

pipeline "shortlist" {
  source { connection = connection.recruit }
  criteria = "status == 'shortlisted'"

  transform "contact" {
    fields = {
      "Email"      = "lower(email)"
      "First Name" = "first_name"
    }
  }

  sink {
    connection = connection.mail
    list       = "Shortlist"
    create     = true
    key        = "Email"
  }

  feedback {
    create_campaigns = true
  }
}
