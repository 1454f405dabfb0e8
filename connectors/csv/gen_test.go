package csv

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// genHeader is the header of the generated candidate files: the columns
// of the reference benchmark's data.
var genHeader = []string{"id", "first_name", "last_name", "email", "phone", "city", "country",
	"status", "experience_years", "skills", "modified_at", "unsubscribed"}

// writeCandidates writes n deterministic candidate rows shaped like the
// reference benchmark's data and returns the file's path.
func writeCandidates(tb testing.TB, dir string, n int) string {
	tb.Helper()
	path := filepath.Join(dir, "candidates.csv")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	w := csv.NewWriter(bw)
	r := rand.New(rand.NewPCG(42, 7))
	firsts := []string{"Haruto", "Yui", "Sōta", "Aoi", "James", "Mary", "José", "Zoë", "Søren", "Priya"}
	lasts := []string{"Sato", "Suzuki", "Itō", "Smith", "O'Brien", "García", "Müller", "van der Berg"}
	cities := []string{"Tokyo", "Osaka", "New York", "Washington, D.C.", "St. John's", "München"}
	countries := []string{"Japan", "Japan", "Japan", "United States", "Germany", "Canada"}
	statuses := []string{"New", "In-review", "Hired", "Rejected"}
	skills := []string{"Go", "Java", "Python", "SQL", "Kubernetes", "C++", "Node.js"}
	base := time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)
	w.Write(genHeader)
	rec := make([]string, len(genHeader))
	for i := range n {
		first := firsts[r.IntN(len(firsts))]
		if r.IntN(200) == 0 {
			first += ` "Bob"`
		}
		last := lasts[r.IntN(len(lasts))]
		rec[0] = fmt.Sprintf("cand-%08d", i+1)
		rec[1], rec[2] = first, last
		rec[3] = strings.ToLower(strings.ReplaceAll(last, " ", "")) + strconv.Itoa(r.IntN(10000)) + "@example.com"
		rec[4] = fmt.Sprintf("+81 %d-%04d-%04d", 10+r.IntN(90), r.IntN(10000), r.IntN(10000))
		rec[5] = cities[r.IntN(len(cities))]
		rec[6] = countries[r.IntN(len(countries))]
		rec[7] = statuses[r.IntN(len(statuses))]
		rec[8] = strconv.Itoa(r.IntN(16))
		var sk []string
		for range 1 + r.IntN(4) {
			sk = append(sk, skills[r.IntN(len(skills))])
		}
		rec[9] = strings.Join(sk, ",")
		rec[10] = base.Add(time.Duration(r.Int64N(2*365*24*3600)) * time.Second).Format(time.RFC3339)
		rec[11] = strconv.FormatBool(r.IntN(100) < 3)
		w.Write(rec)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		tb.Fatal(err)
	}
	if err := bw.Flush(); err != nil {
		tb.Fatal(err)
	}
	if err := f.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}
