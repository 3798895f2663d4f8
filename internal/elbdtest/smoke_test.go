package elbdtest

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	elbsdk "github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing"
	"github.com/aws/aws-sdk-go-v2/service/elasticloadbalancing/types"
)

func TestStartAndCreate(t *testing.T) {
	env := Start(t, "")
	c := env.ELB(Admin)
	ctx := context.Background()
	out, err := c.CreateLoadBalancer(ctx, &elbsdk.CreateLoadBalancerInput{
		LoadBalancerName:  aws.String("smoke"),
		Listeners:         []types.Listener{{Protocol: aws.String("http"), LoadBalancerPort: 80, InstancePort: aws.Int32(8080)}},
		AvailabilityZones: []string{"us-east-1a"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(out.DNSName); len(got) == 0 {
		t.Fatal("empty DNSName")
	}
	d, err := c.DescribeLoadBalancers(ctx, &elbsdk.DescribeLoadBalancersInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(d.LoadBalancerDescriptions) != 1 || aws.ToString(d.LoadBalancerDescriptions[0].ListenerDescriptions[0].Listener.Protocol) != "HTTP" {
		t.Fatalf("describe = %+v", d.LoadBalancerDescriptions)
	}
}
