# The reference job with state: the same candidates, selected and mapped
# as in stateless.hcl, synced into a `lists` list keyed by email. A rerun
# plans against the state and sends only what changed.
#
#   sluice apply -auto-approve -var input=cand_1m.csv -var lists=lists.db bench/stateful.hcl

variable "input" {
  type = string
}

variable "lists" {
  type = string
}

connection "candidates" {
  connector = "csv"
  settings = {
    path = var.input
    id   = "id"
  }
}

connection "mailing" {
  connector = "lists"
  settings = {
    path = var.lists
  }
}

pipeline "reference_list" {
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
      "source"        = "'recruit'"
    }
  }

  sink {
    connection = connection.mailing
    list       = "candidates"
    create     = true
    key        = "Contact Email"
  }

  quota {
    max_records = 250000
  }
}
