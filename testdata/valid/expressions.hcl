# Row expressions: set and drop, functions, heredocs, $env, and every
# schedule kind.
variable "source_name" {
  type    = string
  default = "Recruit"
}

variable "max" {
  type    = number
  default = 100
}

connection "ats2" {
  connector = "zoho_recruit"
  settings = {
    data_center   = "eu"
    client_id     = "id"
    client_secret = "secret"
    refresh_token = "token"
    page_size     = 100
  }
}

connection "mail2" {
  connector = "zoho_campaigns"
  settings = {
    client_id     = "id"
    client_secret = "secret"
    refresh_token = "token"
  }
}

pipeline "daily_candidates" {
  source {
    connection = connection.ats2
    module     = "Candidates"
    since      = "2026-01-01T00:00:00+09:00"
    look_back  = "10m"
  }

  criteria = <<EOT
Candidate_Status == 'New'
  && (Experience_in_Years ?? 0) >= 2
  && email_valid(Email ?? '')
  && !(Email_Opt_Out ?? false)
  && ('Go' in (Skill_Set ?? []) || Expected_Salary > 1000.5)
EOT

  transform "base" {
    set = {
      "Contact Email" = "lower(trim(Email ?? ''))"
      "First Name"    = "coalesce(First_Name, '')"
      "Last Name"     = "Last_Name"
      "Lead Source"   = "'${var.source_name}'"
    }
    drop = ["Skill_Set"]
  }

  transform "final" {
    fields = {
      "Contact Email" = "$env['Contact Email']"
      "First Name"    = "$env['First Name']"
      "Last Name"     = "$env['Last Name']"
      "Lead Source"   = "$env['Lead Source']"
      "City"          = "City ?? 'unknown'"
    }
  }

  sink {
    connection = connection.mail2
    list       = "Daily"
    create     = true
    key        = "Contact Email"
  }

  schedule {
    repeat   = "daily"
    at       = "06:00"
    timezone = "Europe/London"
  }

  mode             = "mirror"
  on_source_delete = "delete"
  on_unsubscribe   = "remove_from_list"

  quota {
    max_records = var.max
  }

  guard {
    max_removals = 150
  }
}

pipeline "monthly_contacts" {
  source {
    connection = connection.ats2
    module     = "Contacts"
  }
  transform "t" {
    fields = {
      "Contact Email" = "Email"
    }
  }
  sink {
    connection = connection.mail2
    list       = "Monthly"
    key        = "Contact Email"
  }
  schedule {
    repeat   = "monthly"
    at       = "23:59"
    on       = 28
    timezone = "America/New_York"
  }
  guard {
    max_removals = "2.5%"
  }
}

pipeline "once_contacts" {
  source {
    connection = connection.ats2
    module     = "Contacts"
  }
  transform "t" {
    fields = {
      "Contact Email" = "Email"
    }
  }
  sink {
    connection = connection.mail2
    list       = "Once"
    key        = "Contact Email"
  }
  schedule {
    repeat = "once"
  }
}

settings {
  timezone = "Asia/Tokyo"
}
