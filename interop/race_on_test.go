//go:build race

package interop

// raceEnabled builds elbd with -race when the tests run with -race, so
// that real client traffic is also checked for data races.
const raceEnabled = true
