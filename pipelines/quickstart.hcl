# Quickstart: candidates from a CSV export into a local mailing list.
#
#   sluice apply -auto-approve pipelines/quickstart.hcl
#
# The list lives in .sluice/lists.db (a `lists` store: SQLite tables that
# behave like an email-marketing tool); the sync state in .sluice/state.db.
# Paths are relative to the directory sluice runs in.

variable "list_name" {
  type    = string
  default = "Japan - shortlisted"
}

connection "candidates" {
  connector = "csv"
  settings = {
    path   = "testdata/candidates.csv"
    id     = "id"
    cursor = "modified_at"
  }
}

connection "mailing" {
  connector = "lists"
  settings = {
    path = ".sluice/lists.db"
  }
}

pipeline "quickstart" {
  source {
    connection = connection.candidates
  }

  criteria = "status in ['New', 'In-review'] && experience_years >= 2 && country == 'Japan' && !unsubscribed"

  transform "contact" {
    fields = {
      "Contact Email" = "lower(trim(email))"
      "First Name"    = "first_name"
      "Last Name"     = "last_name"
      "Full Name"     = "first_name + ' ' + last_name"
      "City"          = "city"
      "Lead Source"   = "'Recruit CSV'"
    }
  }

  sink {
    connection = connection.mailing
    list       = var.list_name
    create     = true
    key        = "Contact Email"
  }

  on_source_delete = "remove_from_list"
  on_unsubscribe   = "keep"

  quota {
    max_records = 40
  }

  guard {
    max_removals = "25%"
  }
}
