# Shortlisted candidates from the applicant tracking system into a mailing list,
# with campaign responses pushed back.

variable "list_name" {
  type    = string
  default = "Recruit - shortlisted"
}

connection "recruit" {
  connector = "zoho_recruit"
  settings = {
    data_center   = "com"
    client_id     = env("ZOHO_CLIENT_ID")
    client_secret = env("ZOHO_CLIENT_SECRET")   # sensitive: never printed, logged or stored
    refresh_token = env("ZOHO_RECRUIT_REFRESH_TOKEN")
  }
}

connection "campaigns" {
  connector = "zoho_campaigns"
  settings = {
    data_center   = "com"
    client_id     = env("ZOHO_CLIENT_ID")
    client_secret = env("ZOHO_CLIENT_SECRET")
    refresh_token = env("ZOHO_CAMPAIGNS_REFRESH_TOKEN")
  }
}

pipeline "shortlisted_candidates" {
  source {
    connection = connection.recruit
    module     = "Candidates"            # Candidates | Contacts | a custom module's API name
    view       = "Shortlisted"           # optional: a saved view of the source; omit for all records
    since      = "2026-01-01T00:00:00Z"  # optional: only records modified at or after this time
  }

  criteria = "Candidate_Status in ['New', 'In-review'] && Experience_in_Years >= 2"

  transform "contact" {
    fields = {
      "Contact Email" = "lower(trim(Email))"
      "First Name"    = "First_Name"
      "Last Name"     = "Last_Name"
      "Lead Source"   = "'Zoho Recruit'"
    }
  }

  sink {
    connection = connection.campaigns
    list       = var.list_name
    create     = true                    # create the list when it does not exist
    key        = "Contact Email"         # the identity of a member at the sink
  }

  schedule {
    repeat   = "weekly"                  # once | daily | weekly | monthly
    at       = "09:30"
    on       = "monday"                  # weekly: a weekday; monthly: a day of the month, 1-28
    timezone = "Asia/Tokyo"
  }

  mode             = "upsert"            # upsert | mirror (mirror also removes members that left the selection)
  on_source_delete = "remove_from_list"  # keep | remove_from_list | delete
  on_unsubscribe   = "keep"              # keep | remove_from_list | delete

  quota {
    max_records = 2500                   # the plan limit: members of this list, at most
  }

  guard {
    max_removals = "10%"                 # a plan removing more fails unless -allow-removals
  }

  feedback {
    create_campaigns = true              # a campaign record in the source for each campaign sent to the list
    member_status    = true              # campaign-member status for records this pipeline put on the list

    status_field "email" {               # email | autoresponder
      module = "Candidates"
      field  = "Last_Campaign_Response"
    }
    status_field "autoresponder" {
      module = "Candidates"
      field  = "Drip_Response"
    }

    push_recipients {                    # list members that did not come from the source
      module = "Contacts"                # Candidates | Contacts | a custom module
      fields = {
        "Email"      = "$env['Contact Email']"   # expr over the sink member's fields
        "First_Name" = "$env['First Name']"
        "Last_Name"  = "$env['Last Name']"
      }
    }
  }
}

settings {
  state = "sqlite:.sluice/state.db"      # or postgres://... ; SLUICE_STATE overrides

  limits {
    max_active_pipelines        = 15
    max_new_pipelines_per_day   = 10
    max_new_pipelines_per_month = 50
    max_contacts                = 5000   # across every list of one sink connection
  }
}
