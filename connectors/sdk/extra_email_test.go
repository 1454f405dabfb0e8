package sdk

import (
	"net/mail"
	"testing"
)

func TestEmailValid(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"john.smith@example.com", true},
		{"John.Smith@Example.COM", true},
		{"a+tag@mail.example.co.jp", true},
		{"o'brien@example.org", true},
		{"user_1@sub-domain.example.net", true},
		{`"john smith"@example.com`, false}, // quoted local parts are refused
		{"sōta@example.jp", true},
		{"user@[192.168.0.1]", true},
		{"", false},
		{"plain", false},
		{"john.smithexample.com", false},
		{"john@@example.com", false},
		{"john.smith@", false},
		{"@example.com", false},
		{"john@localhost", false},
		{"john@example.", false},
		{"john@.example.com", false},
		{"john..smith@example.com", false},
		{".john@example.com", false},
		{" john@example.com", false},
		{"john@example.com  ", false},
		{"John <john@example.com>", false},
		{"<john@example.com>", false},
		{"john@example.com (comment)", false},
		{"john smith@example.com", false},
		{"a@b@example.com", false},
	}
	for _, tt := range tests {
		if got := EmailValid(tt.in); got != tt.want {
			t.Errorf("EmailValid(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

// The ASCII shortcut accepts nothing net/mail would refuse.
func TestPlainAddressAgreesWithNetMail(t *testing.T) {
	for _, s := range []string{
		"a@b.c", "x.y.z@d.e.f", "!#$%&'*+-/=?^_`{|}~@a.b", "1@2.3", "a@b_c.d", "A-B@C-D.E",
	} {
		at := len(s) - len(s[lastAt(s):])
		if !plainAddress(s, at) {
			t.Errorf("plainAddress(%q) = false", s)
			continue
		}
		a, err := mail.ParseAddress(s)
		if err != nil || a.Name != "" || a.Address != s {
			t.Errorf("net/mail does not accept %q as is: %v, %v", s, a, err)
		}
	}
}

func lastAt(s string) int {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '@' {
			return i
		}
	}
	return -1
}

func BenchmarkEmailValid(b *testing.B) {
	for b.Loop() {
		EmailValid("sota.obrien1234@mail.example.jp")
	}
}
