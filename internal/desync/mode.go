package desync

import (
	"fmt"
	"strconv"
)

// Mode is the value of a load balancer's elb.http.desyncmitigationmode
// attribute. The zero Mode is Defensive, ELB's default.
type Mode int

const (
	// Defensive forwards Acceptable and Ambiguous requests (closing both
	// connections after an Ambiguous one) and blocks Severe ones.
	Defensive Mode = iota
	// Monitor forwards everything; classes only feed metrics and logs.
	Monitor
	// Strictest forwards Compliant requests only.
	Strictest
)

var modeNames = [...]string{Defensive: "defensive", Monitor: "monitor", Strictest: "strictest"}

// String returns the attribute value: "monitor", "defensive" or "strictest".
func (m Mode) String() string {
	if m >= 0 && int(m) < len(modeNames) {
		return modeNames[m]
	}
	return "Mode(" + strconv.Itoa(int(m)) + ")"
}

// ParseMode parses an elb.http.desyncmitigationmode value. Like ELB it
// accepts only the lower-case spellings.
func ParseMode(s string) (Mode, error) {
	for m, name := range modeNames {
		if s == name {
			return Mode(m), nil
		}
	}
	return Defensive, fmt.Errorf("desync mitigation mode must be monitor, defensive or strictest, not %q", s)
}

// Action is what the listener does with a classified request.
type Action int

const (
	// Allow forwards the request and keeps both connections reusable.
	Allow Action = iota
	// AllowThenClose forwards the request, then closes the client and the
	// target connection once the response has been sent, so that whatever
	// another hop made of the request cannot be answered on either one.
	AllowThenClose
	// Block answers 400 without forwarding and closes the client connection.
	Block
)

var actionNames = [...]string{"allow", "allow-then-close", "block"}

// String returns "allow", "allow-then-close" or "block".
func (a Action) String() string {
	if a >= 0 && int(a) < len(actionNames) {
		return actionNames[a]
	}
	return "Action(" + strconv.Itoa(int(a)) + ")"
}

// Decide returns the action mode m takes for a request of class c (elb-api.md
// §4.9):
//
//	Class \ Mode   monitor  defensive         strictest
//	Compliant      allow    allow             allow
//	Acceptable     allow    allow             block
//	Ambiguous      allow    allow-then-close  block
//	Severe         allow    block             block
//
// An unknown mode decides as Defensive and an unknown class as Severe.
func Decide(m Mode, c Class) Action {
	if c < Compliant || c > Severe {
		c = Severe
	}
	switch m {
	case Monitor:
		return Allow
	case Strictest:
		if c == Compliant {
			return Allow
		}
		return Block
	default:
		switch c {
		case Compliant, Acceptable:
			return Allow
		case Ambiguous:
			return AllowThenClose
		default:
			return Block
		}
	}
}
