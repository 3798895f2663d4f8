// Command elbctl manages load balancers on elbd or any AWS Classic ELB
// compatible endpoint. Run "elbctl --help" for the command tree and exit
// codes.
package main

import (
	"os"

	"github.com/elbd/elbd/internal/elbctl"
)

func main() {
	os.Exit(elbctl.Main(os.Args[1:], os.Stdout, os.Stderr))
}
