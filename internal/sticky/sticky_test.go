package sticky

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"math/rand/v2"
	"net/http"
	"strings"
	"testing"
	"time"
	"unsafe"
)

func TestToken(t *testing.T) {
	key := []byte("0123456789abcdef0123456789abcdef")
	tok := Token(key, "i-0123456789abcdef0", "80")
	if len(tok) != TokenLen {
		t.Fatalf("len(%q) = %d, want %d", tok, len(tok), TokenLen)
	}
	if strings.ToUpper(tok) != tok {
		t.Errorf("token %q is not upper-case", tok)
	}
	// The construction, spelt out.
	m := hmac.New(sha256.New, key)
	m.Write([]byte{0, 0, 0, 0, 0, 0, 0, 19})
	m.Write([]byte("i-0123456789abcdef0"))
	m.Write([]byte{0, 0, 0, 0, 0, 0, 0, 2})
	m.Write([]byte("80"))
	if want := strings.ToUpper(hex.EncodeToString(m.Sum(nil)[:16])); tok != want {
		t.Errorf("Token = %s, want %s", tok, want)
	}
	for _, tc := range []struct {
		name string
		a, b func() string
	}{
		{"same input", func() string { return Token(key, "a", "b") }, func() string { return Token(key, "a", "b") }},
	} {
		if tc.a() != tc.b() {
			t.Errorf("%s: tokens differ", tc.name)
		}
	}
	distinct := []struct {
		name string
		key  []byte
		p    []string
	}{
		{"base", key, []string{"i-1", "80"}},
		{"other key", []byte("another key"), []string{"i-1", "80"}},
		{"other instance", key, []string{"i-2", "80"}},
		{"other port", key, []string{"i-1", "81"}},
		{"shifted", key, []string{"i-18", "0"}},
		{"joined", key, []string{"i-180"}},
		{"extra empty part", key, []string{"i-1", "80", ""}},
		{"no parts", key, nil},
		{"one empty part", key, []string{""}},
	}
	seen := map[string]string{}
	for _, d := range distinct {
		tok := Token(d.key, d.p...)
		if prev, dup := seen[tok]; dup {
			t.Errorf("%s and %s give the same token %s", prev, d.name, tok)
		}
		seen[tok] = d.name
	}
}

func TestCookieValue(t *testing.T) {
	for _, tc := range []struct {
		header, name string
		want         string
		ok           bool
	}{
		{"AWSELB=ABC", "AWSELB", "ABC", true},
		{"a=1; AWSELB=ABC; b=2", "AWSELB", "ABC", true},
		{"a=1;AWSELB=ABC;b=2", "AWSELB", "ABC", true},
		{"  a=1 ;  AWSELB =  ABC  ; b=2", "AWSELB", "ABC", true},
		{"a=1;\tAWSELB=\tABC\t", "AWSELB", "ABC", true},
		{`AWSELB="ABC"`, "AWSELB", "ABC", true},
		{`AWSELB=""`, "AWSELB", "", true},
		{`AWSELB="`, "AWSELB", `"`, true},
		{"AWSELB=", "AWSELB", "", true},
		{"AWSELB=A=B", "AWSELB", "A=B", true},
		{"AWSELB=first; AWSELB=second", "AWSELB", "first", true},
		{"awselb=ABC", "AWSELB", "", false},
		{"XAWSELB=ABC; AWSELBX=DEF", "AWSELB", "", false},
		{"AWSELB; a=1", "AWSELB", "", false},
		{"a=AWSELB=x", "AWSELB", "", false},
		{"", "AWSELB", "", false},
		{";;;", "AWSELB", "", false},
		{"=x", "", "", false},
		{"sess=42; AWSELB=ABC", "sess", "42", true},
	} {
		v, ok := CookieValue([]byte(tc.header), tc.name)
		if ok != tc.ok || string(v) != tc.want {
			t.Errorf("CookieValue(%q, %q) = %q, %v; want %q, %v", tc.header, tc.name, v, ok, tc.want, tc.ok)
		}
	}
}

func TestCookieValueAllocs(t *testing.T) {
	h := []byte(`_ga=GA1.2.3; session="abc"; AWSELB=0123456789ABCDEF0123456789ABCDEF; theme=dark`)
	n := testing.AllocsPerRun(100, func() {
		if _, ok := CookieValue(h, CookieName); !ok {
			t.Fatal("not found")
		}
		CookieValue(h, "missing")
	})
	if n != 0 {
		t.Errorf("CookieValue allocates %v times per call, want 0", n)
	}
}

func TestParseSetCookie(t *testing.T) {
	imf := time.Date(2030, time.January, 2, 3, 4, 5, 0, time.UTC)
	for _, tc := range []struct {
		line string
		ok   bool
		want SetCookie // slices compared as strings; nil vs empty ignored
	}{
		{"sess=abc", true, SetCookie{Name: b("sess"), Value: b("abc")}},
		{" sess = abc ", true, SetCookie{Name: b("sess"), Value: b("abc")}},
		{`sess="a b"; Path=/`, true, SetCookie{Name: b("sess"), Value: b(`"a b"`)}},
		{"sess=; Max-Age=0", true, SetCookie{Name: b("sess"), HasMaxAge: true}},
		{"sess=x; Max-Age=3600", true, SetCookie{Name: b("sess"), Value: b("x"), MaxAge: 3600, HasMaxAge: true}},
		{"sess=x; max-age=-5", true, SetCookie{Name: b("sess"), Value: b("x"), MaxAge: -5, HasMaxAge: true}},
		{"sess=x; MAX-AGE = 10 ", true, SetCookie{Name: b("sess"), Value: b("x"), MaxAge: 10, HasMaxAge: true}},
		{"sess=x; Max-Age=10; Max-Age=abc", true, SetCookie{Name: b("sess"), Value: b("x"), MaxAge: 10, HasMaxAge: true}},
		{"sess=x; Max-Age=10; Max-Age=20", true, SetCookie{Name: b("sess"), Value: b("x"), MaxAge: 20, HasMaxAge: true}},
		{"sess=x; Max-Age=+10", true, SetCookie{Name: b("sess"), Value: b("x")}},
		{"sess=x; Max-Age=", true, SetCookie{Name: b("sess"), Value: b("x")}},
		{"sess=x; Max-Age=-", true, SetCookie{Name: b("sess"), Value: b("x")}},
		{"sess=x; Max-Age=99999999999999999999999", true, SetCookie{Name: b("sess"), Value: b("x"), MaxAge: math.MaxInt64, HasMaxAge: true}},
		{"sess=x; Expires=Wed, 02 Jan 2030 03:04:05 GMT", true,
			SetCookie{Name: b("sess"), Value: b("x"), RawExpires: b("Wed, 02 Jan 2030 03:04:05 GMT"), Expires: imf}},
		{"sess=x; expires=Wed, 02-Jan-2030 03:04:05 GMT; Secure", true,
			SetCookie{Name: b("sess"), Value: b("x"), RawExpires: b("Wed, 02-Jan-2030 03:04:05 GMT"), Expires: imf, Secure: true}},
		{"sess=x; Expires=someday", true, SetCookie{Name: b("sess"), Value: b("x"), RawExpires: b("someday")}},
		{"sess=x; Expires=", true, SetCookie{Name: b("sess"), Value: b("x")}},
		{"sess=x; Secure; HttpOnly; Path=/; Domain=example.com; SameSite=Lax", true,
			SetCookie{Name: b("sess"), Value: b("x"), Secure: true, HttpOnly: true}},
		{"sess=x;secure;httponly", true, SetCookie{Name: b("sess"), Value: b("x"), Secure: true, HttpOnly: true}},
		{"sess=x; SECURE=yes", true, SetCookie{Name: b("sess"), Value: b("x"), Secure: true}},
		{"sess=x; Securely", true, SetCookie{Name: b("sess"), Value: b("x")}},
		{"sess=a=b", true, SetCookie{Name: b("sess"), Value: b("a=b")}},
		// ELB ignores an application Set-Cookie with a trailing ";".
		{"sess=x;", false, SetCookie{}},
		{"sess=x; Path=/;", false, SetCookie{}},
		{"sess=x; Path=/; ", false, SetCookie{}},
		{"sess", false, SetCookie{}},
		{"=x", false, SetCookie{}},
		{" = x; Path=/", false, SetCookie{}},
		{"", false, SetCookie{}},
	} {
		got, ok := ParseSetCookie([]byte(tc.line))
		if ok != tc.ok {
			t.Errorf("ParseSetCookie(%q) ok = %v, want %v", tc.line, ok, tc.ok)
			continue
		}
		if !sameCookie(got, tc.want) {
			t.Errorf("ParseSetCookie(%q) =\n  %s\nwant\n  %s", tc.line, show(got), show(tc.want))
		}
	}
}

func b(s string) []byte { return []byte(s) }

func sameCookie(a, b SetCookie) bool {
	return string(a.Name) == string(b.Name) && string(a.Value) == string(b.Value) &&
		a.MaxAge == b.MaxAge && a.HasMaxAge == b.HasMaxAge &&
		string(a.RawExpires) == string(b.RawExpires) && a.Expires.Equal(b.Expires) &&
		a.Secure == b.Secure && a.HttpOnly == b.HttpOnly
}

func show(c SetCookie) string {
	var sb strings.Builder
	sb.WriteString("{Name:" + string(c.Name) + " Value:" + string(c.Value))
	if c.HasMaxAge {
		sb.WriteString(" MaxAge:" + time.Duration(c.MaxAge*int64(time.Second)).String())
	}
	if c.RawExpires != nil {
		sb.WriteString(" RawExpires:" + string(c.RawExpires) + " Expires:" + c.Expires.String())
	}
	if c.Secure {
		sb.WriteString(" Secure")
	}
	if c.HttpOnly {
		sb.WriteString(" HttpOnly")
	}
	return sb.String() + "}"
}

func TestParseSetCookieAllocs(t *testing.T) {
	line := []byte("sess=abc; Path=/; Expires=Wed, 02 Jan 2030 03:04:05 GMT; Max-Age=60; Secure; HttpOnly")
	n := testing.AllocsPerRun(100, func() {
		if _, ok := ParseSetCookie(line); !ok {
			t.Fatal("not parsed")
		}
	})
	if n != 0 {
		t.Errorf("ParseSetCookie allocates %v times per call, want 0", n)
	}
}

// netscapeFormat is the cookie date form with dashes and a four-digit
// year that net/http's cookie parser also accepts.
const netscapeFormat = "Mon, 02-Jan-2006 15:04:05 MST"

// layouts are the time.Parse layouts parseDate must agree with.
var layouts = []string{http.TimeFormat, time.RFC850, time.ANSIC, netscapeFormat}

func TestParseDate(t *testing.T) {
	want := time.Date(1994, time.November, 6, 8, 49, 37, 0, time.UTC)
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"Sun, 06 Nov 1994 08:49:37 GMT", true},
		{"Sunday, 06-Nov-94 08:49:37 GMT", true},
		{"Sun Nov  6 08:49:37 1994", true},
		{"Sun Nov 6 08:49:37 1994", true},
		{"Sun, 06-Nov-1994 08:49:37 GMT", true},
		{"sun, 06 nov 1994 08:49:37 GMT", true},
		{"Mon, 06 Nov 1994 08:49:37 GMT", true}, // weekday not checked, as in time.Parse
		{"Sun, 06 Nov 1994 08:49:37 UTC", false},
		{"Sun, 06 Nov 1994 08:49:37 gmt", false},
		{"Sun, 06 Nov 1994 08:49:37", false},
		{"Sun, 06 Nov 1994 08:49:37 GMT ", false},
		{"Sun, 6 Nov 1994 08:49:37 GMT", false},
		{"Sun, 06 Nov 94 08:49:37 GMT", false},
		{"Sunday, 06 Nov 1994 08:49:37 GMT", false},
		{"Sun, 06-Nov-94 08:49:37 GMT", false},
		{"Sun, 31 Nov 1994 08:49:37 GMT", false},
		{"Sun, 06 Nov 1994 24:00:00 GMT", false},
		{"Sun, 06 Nov 1994 08:60:00 GMT", false},
		{"Sun, 06 Nov 1994 08:49:60 GMT", false},
		{"Sun, 06 Nov 1994 08:49:37.5 GMT", false},
		{"Sun, 06 Xyz 1994 08:49:37 GMT", false},
		{"Sun Nov 06 08:49:37 1994 GMT", false},
		{"Sun Nov  6 08:49:37 94", false},
		{"Sun Nov    6 08:49:37 1994", false},
		{"", false},
		{",", false},
		{"Sun,", false},
	} {
		got, ok := parseDate([]byte(tc.in))
		if ok != tc.ok || ok && !got.Equal(want) && !strings.HasPrefix(tc.in, "Mon") {
			t.Errorf("parseDate(%q) = %v, %v; want ok=%v", tc.in, got, ok, tc.ok)
		}
	}
	if got, _ := parseDate([]byte("Mon, 06 Nov 1994 08:49:37 GMT")); !got.Equal(want) {
		t.Errorf("weekday changed the date: %v", got)
	}
	// Two-digit years as time.Parse reads them.
	for yy, year := range map[string]int{"68": 2068, "69": 1969, "00": 2000, "99": 1999} {
		got, ok := parseDate([]byte("Sunday, 06-Nov-" + yy + " 08:49:37 GMT"))
		if !ok || got.Year() != year {
			t.Errorf("year %s: got %v, %v; want %d", yy, got, ok, year)
		}
	}
	// Leap days.
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{"Tue, 29 Feb 2000 00:00:00 GMT", true},
		{"Tue, 29 Feb 2024 00:00:00 GMT", true},
		{"Tue, 29 Feb 1900 00:00:00 GMT", false},
		{"Tue, 29 Feb 2023 00:00:00 GMT", false},
	} {
		if _, ok := parseDate([]byte(tc.in)); ok != tc.ok {
			t.Errorf("parseDate(%q) ok = %v, want %v", tc.in, ok, tc.ok)
		}
	}
}

// TestParseDateMatchesTimeParse formats random instants in every layout
// and checks that parseDate reads them as time.Parse does.
func TestParseDateMatchesTimeParse(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	lo := time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	hi := time.Date(2068, 12, 31, 23, 59, 59, 0, time.UTC).Unix()
	for range 20000 {
		ts := time.Unix(lo+r.Int64N(hi-lo), 0).UTC()
		for _, layout := range layouts {
			s := strings.Replace(ts.Format(layout), "UTC", "GMT", 1)
			got, ok := parseDate([]byte(s))
			want, err := time.Parse(layout, s)
			if !ok || err != nil || !got.Equal(want) || !got.Equal(ts) {
				t.Fatalf("%q: parseDate = %v, %v; time.Parse = %v, %v; formatted %v", s, got, ok, want, err, ts)
			}
		}
	}
}

func TestAppendLBCookie(t *testing.T) {
	for _, tc := range []struct {
		exp  time.Duration
		want string
	}{
		{0, "AWSELB=TOK;PATH=/"},
		{-time.Second, "AWSELB=TOK;PATH=/"},
		{time.Minute, "AWSELB=TOK;PATH=/;MAX-AGE=60"},
		{1500 * time.Millisecond, "AWSELB=TOK;PATH=/;MAX-AGE=2"},
		{time.Nanosecond, "AWSELB=TOK;PATH=/;MAX-AGE=1"},
	} {
		if got := string(AppendLBCookie([]byte("x"), "TOK", tc.exp)); got != "x"+tc.want {
			t.Errorf("AppendLBCookie(%v) = %q, want %q", tc.exp, got, "x"+tc.want)
		}
	}
}

func TestAppendAppCookie(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		app  string
		want string
	}{
		{"sess=1", "AWSELB=TOK;PATH=/"},
		{"sess=1; Path=/app; Domain=example.com", "AWSELB=TOK;PATH=/"},
		{"sess=1; Max-Age=300", "AWSELB=TOK;PATH=/;MAX-AGE=300"},
		{"sess=1; Expires=Wed, 02 Jan 2030 03:04:05 GMT", "AWSELB=TOK;PATH=/;EXPIRES=Wed, 02 Jan 2030 03:04:05 GMT"},
		{"sess=1; Expires=Wed, 02 Jan 2030 03:04:05 GMT; Max-Age=300", "AWSELB=TOK;PATH=/;MAX-AGE=300;EXPIRES=Wed, 02 Jan 2030 03:04:05 GMT"},
		{"sess=1; Expires=not a date", "AWSELB=TOK;PATH=/;EXPIRES=not a date"},
		{"sess=1; Secure", "AWSELB=TOK;PATH=/;SECURE"},
		{"sess=1; HttpOnly; secure", "AWSELB=TOK;PATH=/;SECURE;HTTPONLY"},
		// Removal follows the application cookie's removal.
		{"sess=; Max-Age=0", "AWSELB=;PATH=/;MAX-AGE=0"},
		{"sess=; Max-Age=-1; Secure", "AWSELB=;PATH=/;MAX-AGE=-1;SECURE"},
		{"sess=; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "AWSELB=;PATH=/;EXPIRES=Thu, 01 Jan 1970 00:00:00 GMT"},
		{"sess=1; Expires=Mon, 01 Jun 2026 12:00:00 GMT", "AWSELB=;PATH=/;EXPIRES=Mon, 01 Jun 2026 12:00:00 GMT"},
		// Max-Age wins over a past Expires, as in browsers.
		{"sess=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=60", "AWSELB=TOK;PATH=/;MAX-AGE=60;EXPIRES=Thu, 01 Jan 1970 00:00:00 GMT"},
	} {
		app, ok := ParseSetCookie([]byte(tc.app))
		if !ok {
			t.Fatalf("ParseSetCookie(%q) failed", tc.app)
		}
		if got := string(AppendAppCookie(nil, "TOK", &app, now)); got != tc.want {
			t.Errorf("AppendAppCookie(%q) = %q, want %q", tc.app, got, tc.want)
		}
	}
}

func TestRemoved(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		line    string
		removed bool
	}{
		{"a=1", false},
		{"a=1; Max-Age=1", false},
		{"a=1; Max-Age=0", true},
		{"a=1; Max-Age=-1", true},
		{"a=1; Expires=Mon, 01 Jun 2026 12:00:01 GMT", false},
		{"a=1; Expires=Mon, 01 Jun 2026 12:00:00 GMT", true},
		{"a=1; Expires=Mon, 01 Jun 2026 11:59:59 GMT", true},
		{"a=1; Expires=garbage", false},
		{"a=1; Expires=Mon, 01 Jun 2026 11:59:59 GMT; Max-Age=10", false},
		{"a=1; Expires=Mon, 01 Jun 2030 11:59:59 GMT; Max-Age=0", true},
	} {
		c, ok := ParseSetCookie([]byte(tc.line))
		if !ok {
			t.Fatalf("ParseSetCookie(%q) failed", tc.line)
		}
		if got := c.Removed(now); got != tc.removed {
			t.Errorf("Removed(%q) = %v, want %v", tc.line, got, tc.removed)
		}
	}
}

// within reports whether inner is a sub-slice of outer (same memory).
func within(outer, inner []byte) bool {
	if len(inner) == 0 {
		return true
	}
	if len(outer) == 0 {
		return false
	}
	o := uintptr(unsafe.Pointer(unsafe.SliceData(outer)))
	i := uintptr(unsafe.Pointer(unsafe.SliceData(inner)))
	return i >= o && i+uintptr(len(inner)) <= o+uintptr(len(outer))
}

func FuzzCookieValue(f *testing.F) {
	for _, s := range []string{
		"AWSELB=ABC", "a=1; AWSELB=ABC; b=2", `AWSELB="ABC"`, "AWSELB", ";;=;", " AWSELB = x ", `AWSELB="`,
	} {
		f.Add([]byte(s), "AWSELB")
	}
	f.Fuzz(func(t *testing.T, header []byte, name string) {
		orig := bytes.Clone(header)
		v, ok := CookieValue(header, name)
		if !bytes.Equal(header, orig) {
			t.Fatal("CookieValue modified its input")
		}
		if !ok {
			if v != nil {
				t.Fatalf("not found but value %q", v)
			}
			// Appending the cookie makes it found, unless an earlier
			// occurrence shadows it (then it is found anyway).
			if name != "" && !strings.ContainsAny(name, "; \t=") && isPlain(name) {
				h := append(bytes.Clone(header), "; "+name+"=v"...)
				if w, ok := CookieValue(h, name); !ok || string(w) != "v" {
					t.Fatalf("appended %s=v to %q: got %q, %v", name, header, w, ok)
				}
			}
			return
		}
		if name == "" {
			t.Fatal("found a cookie with an empty name")
		}
		if !within(header, v) {
			t.Fatalf("value %q is not a sub-slice of the header", v)
		}
		if bytes.IndexByte(v, ';') >= 0 {
			t.Fatalf("value %q contains a separator", v)
		}
		if len(v) > 0 && (isWS(v[0]) || isWS(v[len(v)-1])) && !quotedWS(header, v) {
			t.Fatalf("value %q not trimmed", v)
		}
	})
}

// isPlain reports whether name is printable ASCII without quotes, so that
// "; name=v" is an unambiguous cookie pair.
func isPlain(name string) bool {
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= ' ' || c >= 0x7f || c == '"' {
			return false
		}
	}
	return true
}

// quotedWS reports whether v was inside double quotes, which may hold
// whitespace at its ends.
func quotedWS(header, v []byte) bool {
	o := int(uintptr(unsafe.Pointer(unsafe.SliceData(v))) - uintptr(unsafe.Pointer(unsafe.SliceData(header))))
	return o > 0 && header[o-1] == '"' && o+len(v) < len(header) && header[o+len(v)] == '"'
}

func FuzzParseSetCookie(f *testing.F) {
	for _, s := range []string{
		"sess=abc", "sess=x; Max-Age=3600; Secure; HttpOnly", "sess=x;",
		"sess=; Expires=Thu, 01 Jan 1970 00:00:00 GMT", "sess=x; expires=Sunday, 06-Nov-94 08:49:37 GMT",
		"sess=x; Expires=Sun Nov  6 08:49:37 1994", "sess=x; Expires=Sun, 06-Nov-1994 08:49:37 GMT",
		"=;;;=", "a=b; max-age=-99999999999999999999",
	} {
		f.Add([]byte(s), int64(0))
	}
	f.Fuzz(func(t *testing.T, line []byte, nowSec int64) {
		orig := bytes.Clone(line)
		c, ok := ParseSetCookie(line)
		if !bytes.Equal(line, orig) {
			t.Fatal("ParseSetCookie modified its input")
		}
		if !ok {
			return
		}
		if tl := trimWS(line); len(tl) > 0 && tl[len(tl)-1] == ';' {
			t.Fatalf("accepted %q, which ends with ';'", line)
		}
		for _, s := range [][]byte{c.Name, c.Value, c.RawExpires} {
			if !within(line, s) {
				t.Fatalf("%q is not a sub-slice of %q", s, line)
			}
			if bytes.IndexByte(s, ';') >= 0 {
				t.Fatalf("%q contains a separator", s)
			}
		}
		if len(c.Name) == 0 || bytes.IndexByte(c.Name, '=') >= 0 {
			t.Fatalf("bad name %q", c.Name)
		}
		if !c.Expires.IsZero() {
			agree := false
			for _, l := range layouts {
				if tt, err := time.Parse(l, string(c.RawExpires)); err == nil && tt.Equal(c.Expires) {
					agree = true
				}
			}
			if !agree {
				t.Fatalf("Expires %q read as %v, which time.Parse does not confirm", c.RawExpires, c.Expires)
			}
		}
		// The AWSELB cookie made from it parses back with the same
		// lifetime and flags.
		now := time.Unix(nowSec%(1<<40), 0)
		out := AppendAppCookie(nil, "TOK", &c, now)
		e, ok := ParseSetCookie(out)
		if !ok || string(e.Name) != CookieName {
			t.Fatalf("AWSELB cookie %q does not parse", out)
		}
		if e.Removed(now) != c.Removed(now) || e.Secure != c.Secure || e.HttpOnly != c.HttpOnly ||
			e.HasMaxAge != c.HasMaxAge || e.MaxAge != c.MaxAge || !e.Expires.Equal(c.Expires) {
			t.Fatalf("AWSELB cookie %q does not follow %q:\n  %s\n  %s", out, line, show(e), show(c))
		}
		if want := !c.Removed(now); (string(e.Value) == "TOK") != want {
			t.Fatalf("AWSELB cookie %q: value present = %v, want %v", out, !want, want)
		}
	})
}
