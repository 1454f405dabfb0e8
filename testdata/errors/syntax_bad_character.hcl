# A character that is not part of the language.
pipeline "p" {
  mode = @upsert # ERROR: Invalid character
}
