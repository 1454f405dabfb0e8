# A list whose items are not separated by a comma.
pipeline "p" {
  transform "t" {
    drop = ["City" "Country"] # ERROR: Missing item separator
  }
}
