package sdk

import (
	"net/mail"
	"strings"
)

// EmailValid reports whether s is an email address a sink with KeyEmail
// accepts: a bare address as net/mail parses it (no display name, no angle
// brackets, no comments, no surrounding spaces, no quoted local part)
// whose domain contains a dot. It does no I/O and does not change case. The engine, the
// `email_valid` expression function and the sinks share it, so that a key
// the plan accepts is a key the sink accepts.
func EmailValid(s string) bool {
	at := strings.LastIndexByte(s, '@')
	if at <= 0 || at == len(s)-1 || !strings.Contains(s[at+1:], ".") {
		return false
	}
	if plainAddress(s, at) {
		return true
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" {
		return false
	}
	return a.Address == s
}

// plainAddress reports whether s, with its last '@' at at, is an ASCII
// dot-atom "@" dot-atom: the common case, which net/mail accepts as is.
// It is only a shortcut; what it does not recognise goes to net/mail.
func plainAddress(s string, at int) bool {
	return dotAtom(s[:at]) && dotAtom(s[at+1:])
}

// dotAtom reports whether s is atoms of atext joined by single dots
// (RFC 5322 dot-atom-text).
func dotAtom(s string) bool {
	if s == "" || s[0] == '.' || s[len(s)-1] == '.' {
		return false
	}
	prevDot := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '.' {
			if prevDot {
				return false
			}
			prevDot = true
			continue
		}
		prevDot = false
		if c >= 0x80 || !atext[c] {
			return false
		}
	}
	return true
}

// atext marks the ASCII characters of RFC 5322 atext.
var atext = func() (t [128]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for _, c := range "!#$%&'*+-/=?^_`{|}~" {
		t[c] = true
	}
	return t
}()
