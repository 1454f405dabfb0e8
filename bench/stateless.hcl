# The reference job of ../shared/bench as a sluice pipeline: candidates
# from a CSV file, selected and mapped as the hand-written baseline does,
# the first 250,000 into a JSON lines file keyed by the source id.
#
#   sluice apply -auto-approve -var input=cand_1m.csv -var output=out.jsonl bench/stateless.hcl

variable "input" {
  type = string
}

variable "output" {
  type = string
}

connection "candidates" {
  connector = "csv"
  settings = {
    path = var.input
    id   = "id"
  }
}

connection "export" {
  connector = "jsonl"
  settings = {
    path = var.output
  }
}

pipeline "reference" {
  source {
    connection = connection.candidates
  }

  criteria = "status in ['New', 'In-review'] && experience_years >= 2 && country == 'Japan' && !unsubscribed"

  transform "contact" {
    fields = {
      "id"            = "id"
      "Contact Email" = "lower(trim(email))"
      "First Name"    = "first_name"
      "Last Name"     = "last_name"
      "Full Name"     = "first_name + ' ' + last_name"
      "City"          = "city"
      "source"        = "'recruit'"
    }
  }

  sink {
    connection = connection.export
    key        = "id"
  }

  quota {
    max_records = 250000
  }
}
