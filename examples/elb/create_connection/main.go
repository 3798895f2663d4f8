// Command create_connection follows section 1 of libcloud's ELB tutorial,
// "Creating a Connection": it builds an ELB driver from a key, a secret,
// a region and an endpoint, then makes one call to show the credentials
// work.
//
// libcloud's documented cls(key=..., secret=...) raises TypeError and its
// driver cannot be pointed at another endpoint; elb.New takes both.
package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/elbd/elbd/loadbalancer/elb"
)

func main() {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := run(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		cancel()
		os.Exit(1)
	}
}

func run(ctx context.Context) error {
	opts := elb.Options{
		AccessKeyID:     os.Getenv("AWS_ACCESS_KEY_ID"),
		SecretAccessKey: os.Getenv("AWS_SECRET_ACCESS_KEY"),
		SessionToken:    os.Getenv("AWS_SESSION_TOKEN"),
		Region:          getenv("AWS_REGION", "us-east-1"),
		// elbd's endpoint; leave Endpoint empty to talk to AWS.
		Endpoint: getenv("ELBD_ENDPOINT", "http://127.0.0.1:9900"),
	}
	// Without static keys, use the AWS_* variables and shared profiles.
	opts.UseDefaultCredentials = opts.AccessKeyID == ""

	driver, err := elb.New(ctx, opts)
	if err != nil {
		return err
	}
	fmt.Printf("connected to %s (%s) in region %s\n", driver.Endpoint(), driver.Name(), driver.Region())

	protocols, err := driver.ListProtocols(ctx)
	if err != nil {
		return err
	}
	fmt.Println("protocols:", protocols)
	algorithms, err := driver.ListSupportedAlgorithms(ctx)
	if err != nil {
		return err
	}
	fmt.Println("algorithms:", algorithms)

	balancers, err := driver.ListBalancers(ctx)
	if err != nil {
		return err
	}
	fmt.Printf("credentials accepted: %d load balancers\n", len(balancers))
	return nil
}

func getenv(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}
