//go:build race

package elbdtest

const raceEnabled = true
