package query

import "strconv"

// Error is a protocol-level failure with its AWS code and HTTP status. The
// API layer also uses it for every domain error after mapping.
type Error struct {
	Code    string
	Status  int
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Type is the ErrorResponse <Type>: Sender for 4xx, Receiver for 5xx.
func (e *Error) Type() string {
	if e.Status >= 500 {
		return "Receiver"
	}
	return "Sender"
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
