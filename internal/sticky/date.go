package sticky

import "time"

// parseDate parses an HTTP date in one of the formats http.ParseTime
// accepts, or the Netscape cookie form, without allocating:
//
//	Sun, 06 Nov 1994 08:49:37 GMT    IMF-fixdate (RFC 9110 §5.6.7)
//	Sunday, 06-Nov-94 08:49:37 GMT   RFC 850 (two-digit years as time.Parse reads them)
//	Sun Nov  6 08:49:37 1994         asctime (the day may also be "6" or "16")
//	Sun, 06-Nov-1994 08:49:37 GMT    Netscape, what most cookie libraries send
//
// Day and month names are case-insensitive, as time.Parse reads them; the
// weekday is checked to be a day's name but not against the date. It is
// stricter than time.Parse in small ways (two-digit hours, no fractional
// seconds): whatever it accepts, time.Parse with the matching layout reads
// as the same instant.
func parseDate(b []byte) (time.Time, bool) {
	comma := -1
	for i, c := range b {
		if c == ',' {
			comma = i
			break
		}
		if c == ' ' {
			break
		}
	}
	if comma < 0 {
		return parseASCTime(b)
	}
	wd, s := b[:comma], b[comma+1:]
	if len(s) < 1 || s[0] != ' ' {
		return time.Time{}, false
	}
	s = s[1:]
	// dd SEP Mon SEP year
	if len(s) < 7 {
		return time.Time{}, false
	}
	day, ok := num2(s)
	sep := s[2]
	if !ok || sep != ' ' && sep != '-' || s[6] != sep {
		return time.Time{}, false
	}
	mon, ok := month(s[3:6])
	if !ok {
		return time.Time{}, false
	}
	s = s[7:]
	year := 0
	switch {
	case sep == ' ' || len(s) > 4 && s[4] == ' ':
		// IMF-fixdate, Netscape: four-digit year, short weekday.
		if !shortDay(wd) || len(s) < 4 {
			return time.Time{}, false
		}
		hi, ok1 := num2(s)
		lo, ok2 := num2(s[2:])
		if !ok1 || !ok2 {
			return time.Time{}, false
		}
		year, s = hi*100+lo, s[4:]
	default:
		// RFC 850: two-digit year, long weekday.
		if !longDay(wd) {
			return time.Time{}, false
		}
		yy, ok := num2(s)
		if !ok {
			return time.Time{}, false
		}
		year, s = 2000+yy, s[2:]
		if yy >= 69 {
			year = 1900 + yy
		}
	}
	// " hh:mm:ss GMT"
	if len(s) != 13 || s[0] != ' ' || string(s[9:]) != " GMT" {
		return time.Time{}, false
	}
	hh, mm, ss, ok := clock(s[1:9])
	if !ok {
		return time.Time{}, false
	}
	return date(year, mon, day, hh, mm, ss)
}

// parseASCTime parses "Sun Nov  6 08:49:37 1994" (also "Nov 6", "Nov 16").
func parseASCTime(s []byte) (time.Time, bool) {
	if len(s) < 8 || !shortDay(s[:3]) || s[3] != ' ' || s[7] != ' ' {
		return time.Time{}, false
	}
	mon, ok := month(s[4:7])
	if !ok {
		return time.Time{}, false
	}
	s = s[8:]
	if len(s) > 0 && s[0] == ' ' {
		s = s[1:]
	}
	day := 0
	switch {
	case len(s) >= 2 && isDigit(s[0]) && isDigit(s[1]):
		day, s = int(s[0]-'0')*10+int(s[1]-'0'), s[2:]
	case len(s) >= 1 && isDigit(s[0]):
		day, s = int(s[0]-'0'), s[1:]
	default:
		return time.Time{}, false
	}
	// " hh:mm:ss yyyy"
	if len(s) != 14 || s[0] != ' ' || s[9] != ' ' {
		return time.Time{}, false
	}
	hh, mm, ss, ok := clock(s[1:9])
	hi, ok1 := num2(s[10:])
	lo, ok2 := num2(s[12:])
	if !ok || !ok1 || !ok2 {
		return time.Time{}, false
	}
	return date(hi*100+lo, mon, day, hh, mm, ss)
}

// clock parses "hh:mm:ss".
func clock(s []byte) (hh, mm, ss int, ok bool) {
	if len(s) != 8 || s[2] != ':' || s[5] != ':' {
		return 0, 0, 0, false
	}
	hh, ok1 := num2(s)
	mm, ok2 := num2(s[3:])
	ss, ok3 := num2(s[6:])
	if !ok1 || !ok2 || !ok3 || hh > 23 || mm > 59 || ss > 59 {
		return 0, 0, 0, false
	}
	return hh, mm, ss, true
}

// date returns the UTC time, checking that the day exists in its month.
func date(year int, mon time.Month, day, hh, mm, ss int) (time.Time, bool) {
	if day < 1 || day > daysIn(mon, year) {
		return time.Time{}, false
	}
	return time.Date(year, mon, day, hh, mm, ss, 0, time.UTC), true
}

func daysIn(m time.Month, year int) int {
	switch m {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// num2 parses two decimal digits at the start of s.
func num2(s []byte) (int, bool) {
	if len(s) < 2 || !isDigit(s[0]) || !isDigit(s[1]) {
		return 0, false
	}
	return int(s[0]-'0')*10 + int(s[1]-'0'), true
}

const months = "janfebmaraprmayjunjulaugsepoctnovdec"

func month(s []byte) (time.Month, bool) {
	if len(s) != 3 {
		return 0, false
	}
	for i := 0; i < len(months); i += 3 {
		if equalFold(s, months[i:i+3]) {
			return time.Month(i/3 + 1), true
		}
	}
	return 0, false
}

var longDays = [...]string{"sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"}

func shortDay(s []byte) bool {
	if len(s) != 3 {
		return false
	}
	for _, d := range longDays {
		if equalFold(s, d[:3]) {
			return true
		}
	}
	return false
}

func longDay(s []byte) bool {
	for _, d := range longDays {
		if equalFold(s, d) {
			return true
		}
	}
	return false
}
