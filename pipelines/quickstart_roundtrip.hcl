# Round trip: candidates from a SQLite database into a local mailing list,
# and the campaign responses back into the database.
#
#   sluice apply -auto-approve pipelines/quickstart_roundtrip.hcl
#
# A campaign goes out and is answered; with the `lists` store that is two
# rows written with sqlite3:
#
#   sqlite3 .sluice/lists.db "INSERT INTO campaigns VALUES ('spring', 'Spring hiring', 'email',
#     'Roundtrip - shortlisted', 'New roles', 'jobs@example.jp', '2026-03-02T09:00:00Z')"
#   sqlite3 .sluice/lists.db "INSERT INTO events VALUES ('spring', 'haruto.sato@example.jp',
#     'clicked', '2026-03-02T09:30:00Z')"
#
# Then the responses go back into the candidates, and the reports show them:
#
#   sluice feedback -auto-approve pipelines/quickstart_roundtrip.hcl
#   sluice report campaigns
#   sluice report campaign spring -response clicked
#   sluice report record 101
#
# The candidates live in .sluice/recruit.db, made from
# testdata/roundtrip/candidates.sql on first use; the list in
# .sluice/lists.db (a `lists` store); the sync state in .sluice/state.db.
# Paths are relative to the directory sluice runs in.

connection "recruit_db" {
  connector = "sqlite"
  settings = {
    path   = ".sluice/recruit.db"
    seed   = "testdata/roundtrip/candidates.sql"
    table  = "candidates"
    cursor = "modified_at"
  }
}

connection "roundtrip_mailing" {
  connector = "lists"
  settings = {
    path = ".sluice/lists.db"
  }
}

pipeline "roundtrip" {
  source {
    connection = connection.recruit_db
  }

  criteria = "status in ['New', 'In-review'] && experience_years >= 2"

  transform "contact" {
    fields = {
      "Contact Email" = "lower(trim(email))"
      "First Name"    = "first_name"
      "Last Name"     = "last_name"
      "City"          = "city"
    }
  }

  sink {
    connection = connection.roundtrip_mailing
    list       = "Roundtrip - shortlisted"
    create     = true
    key        = "Contact Email"
  }

  on_unsubscribe = "keep"

  feedback {
    create_campaigns = true # a row of campaigns for each campaign sent to the list
    member_status    = true # a row of campaign_members for each candidate and campaign

    status_field "email" { # the latest email campaign's response, on the candidate
      module = "candidates"
      field  = "last_campaign_response"
    }
    status_field "autoresponder" {
      module = "candidates"
      field  = "drip_response"
    }

    push_recipients { # list members that are not candidates become contacts
      module = "contacts"
      fields = {
        "email"      = "$env['Contact Email']"
        "first_name" = "$env['First Name']"
        "last_name"  = "$env['Last Name']"
      }
    }
  }
}
