// Package archtest holds architecture tests: rules about the code base as a
// whole rather than about one package's behaviour. They check that every
// package under internal/ and cmd/ has a package doc comment and that
// dependencies point in the intended direction (domain packages never
// depend on the service, store, API or server layers; the service never
// depends on the API or server). It has no non-test code.
package archtest
