package api

import (
	"context"
	"strconv"

	"github.com/elbd/elbd/internal/elb"
	"github.com/elbd/elbd/internal/model"
	"github.com/elbd/elbd/internal/query"
)

// elbActions are the 29 actions of ELB API version 2012-06-01.
var elbActions = map[string]actionFunc{
	"AddTags":                                 addTags,
	"ApplySecurityGroupsToLoadBalancer":       applySecurityGroups,
	"AttachLoadBalancerToSubnets":             attachSubnets,
	"ConfigureHealthCheck":                    configureHealthCheck,
	"CreateAppCookieStickinessPolicy":         createAppCookiePolicy,
	"CreateLBCookieStickinessPolicy":          createLBCookiePolicy,
	"CreateLoadBalancer":                      createLoadBalancer,
	"CreateLoadBalancerListeners":             createListeners,
	"CreateLoadBalancerPolicy":                createPolicy,
	"DeleteLoadBalancer":                      deleteLoadBalancer,
	"DeleteLoadBalancerListeners":             deleteListeners,
	"DeleteLoadBalancerPolicy":                deletePolicy,
	"DeregisterInstancesFromLoadBalancer":     deregisterInstances,
	"DescribeAccountLimits":                   describeAccountLimits,
	"DescribeInstanceHealth":                  describeInstanceHealth,
	"DescribeLoadBalancerAttributes":          describeAttributes,
	"DescribeLoadBalancerPolicies":            describePolicies,
	"DescribeLoadBalancerPolicyTypes":         describePolicyTypes,
	"DescribeLoadBalancers":                   describeLoadBalancers,
	"DescribeTags":                            describeTags,
	"DetachLoadBalancerFromSubnets":           detachSubnets,
	"DisableAvailabilityZonesForLoadBalancer": disableZones,
	"EnableAvailabilityZonesForLoadBalancer":  enableZones,
	"ModifyLoadBalancerAttributes":            modifyAttributes,
	"RegisterInstancesWithLoadBalancer":       registerInstances,
	"RemoveTags":                              removeTags,
	"SetLoadBalancerListenerSSLCertificate":   setListenerCertificate,
	"SetLoadBalancerPoliciesForBackendServer": setBackendPolicies,
	"SetLoadBalancerPoliciesOfListener":       setListenerPolicies,
}

func listeners(p query.Params) ([]model.Listener, error) {
	items, _ := p.Structs("Listeners")
	out := make([]model.Listener, 0, len(items))
	for _, it := range items {
		proto, err := required(it, "Protocol")
		if err != nil {
			return nil, err
		}
		lbPort, err := requiredInt(it, "LoadBalancerPort")
		if err != nil {
			return nil, err
		}
		instPort, err := requiredInt(it, "InstancePort")
		if err != nil {
			return nil, err
		}
		out = append(out, model.Listener{Protocol: proto, LoadBalancerPort: lbPort, InstancePort: instPort,
			InstanceProtocol: it.Get("InstanceProtocol"), SSLCertificateID: it.Get("SSLCertificateId")})
	}
	return out, nil
}

func createLoadBalancer(h *Handler, c *call) (any, error) {
	name, err := required(c.p, "LoadBalancerName")
	if err != nil {
		return nil, err
	}
	ls, err := listeners(c.p)
	if err != nil {
		return nil, err
	}
	tags, err := tagsOf(c.p, "Tags", true)
	if err != nil {
		return nil, err
	}
	lb, err := h.svc.CreateLoadBalancer(c.ctx, c.account, elb.CreateInput{
		Name: name, Listeners: ls, AvailabilityZones: listOf(c.p, "AvailabilityZones"),
		Subnets: listOf(c.p, "Subnets"), SecurityGroups: listOf(c.p, "SecurityGroups"),
		Scheme: c.p.Get("Scheme"), Tags: tags,
	})
	if err != nil {
		return nil, err
	}
	return struct{ DNSName string }{lb.DNSName}, nil
}

func deleteLoadBalancer(h *Handler, c *call) (any, error) {
	name, err := required(c.p, "LoadBalancerName")
	if err != nil {
		return nil, err
	}
	return nil, h.svc.DeleteLoadBalancer(c.ctx, c.account, name)
}

func describeLoadBalancers(h *Handler, c *call) (any, error) {
	size, err := optionalInt(c.p, "PageSize")
	if err != nil {
		return nil, err
	}
	n := 0
	if size != nil {
		n = *size
		if n < 1 {
			return nil, &query.Error{Code: "ValidationError", Status: 400, Message: "PageSize must be between 1 and 400"}
		}
	}
	page, err := h.svc.DescribeLoadBalancers(c.account, listOf(c.p, "LoadBalancerNames"), c.p.Get("Marker"), n)
	if err != nil {
		return nil, err
	}
	return h.page(page), nil
}

func createListeners(h *Handler, c *call) (any, error) {
	name, err := required(c.p, "LoadBalancerName")
	if err != nil {
		return nil, err
	}
	ls, err := listeners(c.p)
	if err != nil {
		return nil, err
	}
	return nil, h.svc.CreateListeners(c.ctx, c.account, name, ls)
}

func deleteListeners(h *Handler, c *call) (any, error) {
	name, err := required(c.p, "LoadBalancerName")
	if err != nil {
		return nil, err
	}
	raw, err := requiredList(c.p, "LoadBalancerPorts")
	if err != nil {
		return nil, err
	}
	ports := make([]int, 0, len(raw))
	for _, r := range raw {
		n, err := strconv.Atoi(r)
		if err != nil {
			return nil, &query.Error{Code: "ValidationError", Status: 400, Message: "LoadBalancerPorts member '" + r + "' is not an integer"}
		}
		ports = append(ports, n)
	}
	return nil, h.svc.DeleteListeners(c.ctx, c.account, name, ports)
}

func setListenerCertificate(h *Handler, c *call) (any, error) {
	name, err := required(c.p, "LoadBalancerName")
	if err != nil {
		return nil, err
	}
	port, err := requiredInt(c.p, "LoadBalancerPort")
	if err != nil {
		return nil, err
	}
	arn, err := required(c.p, "SSLCertificateId")
	if err != nil {
		return nil, err
	}
	return nil, h.svc.SetListenerCertificate(c.ctx, c.account, name, port, arn)
}

func configureHealthCheck(h *Handler, c *call) (any, error) {
	name, err := required(c.p, "LoadBalancerName")
	if err != nil {
		return nil, err
	}
	hp, _ := c.p.Struct("HealthCheck")
	var hc model.HealthCheck
	if hc.Target, err = required(hp, "Target"); err != nil {
		return nil, err
	}
	for _, f := range []struct {
		name string
		dst  *int
	}{{"Interval", &hc.Interval}, {"Timeout", &hc.Timeout}, {"UnhealthyThreshold", &hc.UnhealthyThreshold}, {"HealthyThreshold", &hc.HealthyThreshold}} {
		if *f.dst, err = requiredInt(hp, f.name); err != nil {
			return nil, err
		}
	}
	hc, err = h.svc.ConfigureHealthCheck(c.ctx, c.account, name, hc)
	if err != nil {
		return nil, err
	}
	return struct{ HealthCheck xHealthCheck }{xHealthCheck(hc)}, nil
}

func registerInstances(h *Handler, c *call) (any, error) {
	return changeInstances(h, c, h.svc.RegisterInstances)
}

func deregisterInstances(h *Handler, c *call) (any, error) {
	return changeInstances(h, c, h.svc.DeregisterInstances)
}

type instancesResult struct {
	Instances members[xInstance]
}

func changeInstances(h *Handler, c *call, fn func(ctx context.Context, account, name string, ids []string) ([]string, error)) (any, error) {
	name, err := required(c.p, "LoadBalancerName")
	if err != nil {
		return nil, err
	}
	ids, err := instanceIDs(c.p, "Instances")
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, missing("Instances")
	}
	all, err := fn(c.ctx, c.account, name, ids)
	if err != nil {
		return nil, err
	}
	var r instancesResult
	for _, id := range all {
		r.Instances.Items = append(r.Instances.Items, xInstance{id})
	}
	return r, nil
}

func describeInstanceHealth(h *Handler, c *call) (any, error) {
	name, err := required(c.p, "LoadBalancerName")
	if err != nil {
		return nil, err
	}
	ids, err := instanceIDs(c.p, "Instances")
	if err != nil {
		return nil, err
	}
	states, err := h.svc.DescribeInstanceHealth(c.account, name, ids)
	if err != nil {
		return nil, err
	}
	var r struct{ InstanceStates members[xInstanceState] }
	for _, s := range states {
		r.InstanceStates.Items = append(r.InstanceStates.Items, xInstanceState{s.InstanceID, s.State, s.ReasonCode, s.Description})
	}
	return r, nil
}

func describeAttributes(h *Handler, c *call) (any, error) {
	name, err := required(c.p, "LoadBalancerName")
	if err != nil {
		return nil, err
	}
	a, err := h.svc.DescribeAttributes(c.account, name)
	if err != nil {
		return nil, err
	}
	return struct{ LoadBalancerAttributes xAttributes }{attributes(a)}, nil
}

func modifyAttributes(h *Handler, c *call) (any, error) {
	name, err := required(c.p, "LoadBalancerName")
	if err != nil {
		return nil, err
	}
	ap, ok := c.p.Struct("LoadBalancerAttributes")
	if !ok {
		return nil, missing("LoadBalancerAttributes")
	}
	var ch elb.AttributesChange
	if s, ok := ap.Struct("CrossZoneLoadBalancing"); ok {
		b, err := requiredBool(s, "Enabled")
		if err != nil {
			return nil, err
		}
		ch.CrossZone = &b
	}
	if s, ok := ap.Struct("AccessLog"); ok {
		b, err := requiredBool(s, "Enabled")
		if err != nil {
			return nil, err
		}
		al := &elb.AccessLogChange{Enabled: b}
		if v, ok := s.String("S3BucketName"); ok {
			al.BucketName = &v
		}
		if v, ok := s.String("S3BucketPrefix"); ok {
			al.BucketPrefix = &v
		}
		if al.EmitInterval, err = optionalInt(s, "EmitInterval"); err != nil {
			return nil, err
		}
		ch.AccessLog = al
	}
	if s, ok := ap.Struct("ConnectionDraining"); ok {
		b, err := requiredBool(s, "Enabled")
		if err != nil {
			return nil, err
		}
		d := &elb.DrainingChange{Enabled: b}
		if d.Timeout, err = optionalInt(s, "Timeout"); err != nil {
			return nil, err
		}
		ch.Draining = d
	}
	if s, ok := ap.Struct("ConnectionSettings"); ok {
		n, err := requiredInt(s, "IdleTimeout")
		if err != nil {
			return nil, err
		}
		ch.IdleTimeout = &n
	}
	if ch.Additional, err = tagsOf(ap, "AdditionalAttributes", false); err != nil {
		return nil, err
	}
	a, err := h.svc.ModifyAttributes(c.ctx, c.account, name, ch)
	if err != nil {
		return nil, err
	}
	return struct {
		LoadBalancerName       string
		LoadBalancerAttributes xAttributes
	}{name, attributes(a)}, nil
}

func createPolicy(h *Handler, c *call) (any, error) {
	v, err := requiredAll(c.p, "LoadBalancerName", "PolicyName", "PolicyTypeName")
	if err != nil {
		return nil, err
	}
	items, _ := c.p.Structs("PolicyAttributes")
	attrs := make([]model.Attribute, 0, len(items))
	for _, it := range items {
		an, err := required(it, "AttributeName")
		if err != nil {
			return nil, err
		}
		attrs = append(attrs, model.Attribute{Name: an, Value: it.Get("AttributeValue")})
	}
	return nil, h.svc.CreatePolicy(c.ctx, c.account, v[0], v[1], v[2], attrs)
}

func createLBCookiePolicy(h *Handler, c *call) (any, error) {
	v, err := requiredAll(c.p, "LoadBalancerName", "PolicyName")
	if err != nil {
		return nil, err
	}
	n, ok, err := c.p.Int("CookieExpirationPeriod")
	if err != nil {
		return nil, err
	}
	var period *int64
	if ok {
		period = &n
	}
	return nil, h.svc.CreateLBCookiePolicy(c.ctx, c.account, v[0], v[1], period)
}

func createAppCookiePolicy(h *Handler, c *call) (any, error) {
	v, err := requiredAll(c.p, "LoadBalancerName", "PolicyName", "CookieName")
	if err != nil {
		return nil, err
	}
	return nil, h.svc.CreateAppCookiePolicy(c.ctx, c.account, v[0], v[1], v[2])
}

func deletePolicy(h *Handler, c *call) (any, error) {
	v, err := requiredAll(c.p, "LoadBalancerName", "PolicyName")
	if err != nil {
		return nil, err
	}
	return nil, h.svc.DeletePolicy(c.ctx, c.account, v[0], v[1])
}

// policyNamesParam reads PolicyNames; libcloud omits it entirely for an
// empty list, so absence means empty here.
func policyNamesParam(p query.Params) []string {
	l, _ := p.List("PolicyNames")
	return l
}

func setListenerPolicies(h *Handler, c *call) (any, error) {
	name, err := required(c.p, "LoadBalancerName")
	if err != nil {
		return nil, err
	}
	port, err := requiredInt(c.p, "LoadBalancerPort")
	if err != nil {
		return nil, err
	}
	return nil, h.svc.SetListenerPolicies(c.ctx, c.account, name, port, policyNamesParam(c.p))
}

func setBackendPolicies(h *Handler, c *call) (any, error) {
	name, err := required(c.p, "LoadBalancerName")
	if err != nil {
		return nil, err
	}
	port, err := requiredInt(c.p, "InstancePort")
	if err != nil {
		return nil, err
	}
	return nil, h.svc.SetBackendPolicies(c.ctx, c.account, name, port, policyNamesParam(c.p))
}

func describePolicies(h *Handler, c *call) (any, error) {
	ps, err := h.svc.DescribePolicies(c.account, c.p.Get("LoadBalancerName"), listOf(c.p, "PolicyNames"))
	if err != nil {
		return nil, err
	}
	var r struct{ PolicyDescriptions members[xPolicyDescription] }
	for _, p := range ps {
		d := xPolicyDescription{PolicyName: p.Name, PolicyTypeName: p.TypeName}
		for _, a := range p.Attributes {
			d.PolicyAttributeDescriptions.Items = append(d.PolicyAttributeDescriptions.Items, xPolicyAttribute{a.Name, a.Value})
		}
		r.PolicyDescriptions.Items = append(r.PolicyDescriptions.Items, d)
	}
	return r, nil
}

func describePolicyTypes(h *Handler, c *call) (any, error) {
	ts, err := h.svc.DescribePolicyTypes(listOf(c.p, "PolicyTypeNames"))
	if err != nil {
		return nil, err
	}
	var r struct{ PolicyTypeDescriptions members[xPolicyType] }
	for _, t := range ts {
		d := xPolicyType{PolicyTypeName: t.Name, Description: t.Description}
		for _, a := range t.Attributes {
			d.PolicyAttributeTypeDescriptions.Items = append(d.PolicyAttributeTypeDescriptions.Items,
				xPolicyAttributeType{a.Name, a.Type, a.Description, a.DefaultValue, a.Cardinality})
		}
		r.PolicyTypeDescriptions.Items = append(r.PolicyTypeDescriptions.Items, d)
	}
	return r, nil
}

func addTags(h *Handler, c *call) (any, error) {
	names, err := requiredList(c.p, "LoadBalancerNames")
	if err != nil {
		return nil, err
	}
	tags, err := tagsOf(c.p, "Tags", true)
	if err != nil {
		return nil, err
	}
	return nil, h.svc.AddTags(c.ctx, c.account, names, tags)
}

func removeTags(h *Handler, c *call) (any, error) {
	names, err := requiredList(c.p, "LoadBalancerNames")
	if err != nil {
		return nil, err
	}
	tags, err := tagsOf(c.p, "Tags", true)
	if err != nil {
		return nil, err
	}
	keys := make([]string, len(tags))
	for i, t := range tags {
		keys[i] = t.Key
	}
	return nil, h.svc.RemoveTags(c.ctx, c.account, names, keys)
}

func describeTags(h *Handler, c *call) (any, error) {
	names, err := requiredList(c.p, "LoadBalancerNames")
	if err != nil {
		return nil, err
	}
	lbs, err := h.svc.DescribeTags(c.account, names)
	if err != nil {
		return nil, err
	}
	var r struct{ TagDescriptions members[xTagDescription] }
	for _, lb := range lbs {
		d := xTagDescription{LoadBalancerName: lb.Name}
		for _, t := range lb.Tags {
			d.Tags.Items = append(d.Tags.Items, xKV{t.Key, t.Value})
		}
		r.TagDescriptions.Items = append(r.TagDescriptions.Items, d)
	}
	return r, nil
}

// lbListChange builds an action that takes LoadBalancerName and a list
// parameter, applies change and answers with one list of the result,
// as the zone, subnet and security-group actions do.
func lbListChange(param string, change func(svc *elb.Service, ctx context.Context, account, name string, items []string) (*model.LoadBalancer, error),
	result func(*model.LoadBalancer) any) actionFunc {
	return func(h *Handler, c *call) (any, error) {
		name, err := required(c.p, "LoadBalancerName")
		if err != nil {
			return nil, err
		}
		items, err := requiredList(c.p, param)
		if err != nil {
			return nil, err
		}
		lb, err := change(h.svc, c.ctx, c.account, name, items)
		if err != nil {
			return nil, err
		}
		return result(lb), nil
	}
}

func zonesResult(lb *model.LoadBalancer) any {
	return struct{ AvailabilityZones members[string] }{list(lb.AvailabilityZones)}
}

func subnetsResult(lb *model.LoadBalancer) any {
	return struct{ Subnets members[string] }{list(lb.Subnets)}
}

func groupsResult(lb *model.LoadBalancer) any {
	return struct{ SecurityGroups members[string] }{list(lb.SecurityGroups)}
}

var (
	enableZones         = lbListChange("AvailabilityZones", (*elb.Service).EnableZones, zonesResult)
	disableZones        = lbListChange("AvailabilityZones", (*elb.Service).DisableZones, zonesResult)
	attachSubnets       = lbListChange("Subnets", (*elb.Service).AttachSubnets, subnetsResult)
	detachSubnets       = lbListChange("Subnets", (*elb.Service).DetachSubnets, subnetsResult)
	applySecurityGroups = lbListChange("SecurityGroups", (*elb.Service).ApplySecurityGroups, groupsResult)
)

// describeAccountLimits reports elbd's real, enforced quotas.
func describeAccountLimits(h *Handler, c *call) (any, error) {
	size, err := optionalInt(c.p, "PageSize")
	if err != nil {
		return nil, err
	}
	if size != nil && (*size < 1 || *size > 400) {
		return nil, &query.Error{Code: "ValidationError", Status: 400, Message: "PageSize must be between 1 and 400"}
	}
	l := h.svc.Limits()
	all := []xLimit{
		{"classic-load-balancers", strconv.Itoa(l.LoadBalancersPerAccount)},
		{"classic-listeners", strconv.Itoa(l.ListenersPerLoadBalancer)},
		{"classic-registered-instances", strconv.Itoa(l.InstancesPerLoadBalancer)},
	}
	start := 0
	if m := c.p.Get("Marker"); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil || n < 0 || n > len(all) {
			return nil, &query.Error{Code: "ValidationError", Status: 400, Message: "Invalid Marker '" + m + "'"}
		}
		start = n
	}
	end := len(all)
	if size != nil {
		end = min(start+*size, len(all))
	}
	r := struct {
		Limits     members[xLimit]
		NextMarker string `xml:",omitempty"`
	}{Limits: list(all[start:end])}
	if end < len(all) {
		r.NextMarker = strconv.Itoa(end)
	}
	return r, nil
}
