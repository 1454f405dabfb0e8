# Criteria: unknown fields, non-bool results, syntax and type errors.

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

pipeline "unknown_field" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  criteria = "Candidate_Stat == 'New'" # ERROR: Unknown field
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

pipeline "not_bool" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  criteria = "Experience_in_Years + 1" # ERROR: Criteria is not a bool
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

pipeline "syntax" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  criteria = "Experience_in_Years >= (2" # ERROR: Invalid expression
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

pipeline "mismatch" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  criteria = "Experience_in_Years > 'two'" # ERROR: Type mismatch
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

pipeline "heredoc" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  # Inside a heredoc the mark is an expression comment.
  criteria = <<EOT
Candidate_Status == 'New'
  && Experience >= 2 // # ERROR: Unknown field
EOT
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

pipeline "after_escaped_quote" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  criteria = "City == \"Tokyo\" && Countr == 'JP'" # ERROR: Unknown field
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

pipeline "empty" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  criteria = "  " # ERROR: Empty expression
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

pipeline "unknown_function" {
  source {
    connection = connection.recruit
    module     = "Candidates"
  }
  criteria = "lowr(Email) == 'a@b.c'" # ERROR: Unknown function
  transform "contact" {
    fields = { "Contact Email" = "Email" }
  }
  sink {
    connection = connection.campaigns
    list       = "L"
    key        = "Contact Email"
  }
}
