#!/usr/bin/python3
"""boto3 against elbd: all 29 ELB actions and the four IAM server-certificate
actions, with response fields, error-to-exception mapping, paginators and a
waiter.

Run by interop_test.go (TestBoto3), which starts elbd and sets INTEROP_*
(endpoint, keys, topology ids, certificate files). Uses Debian's
python3-boto3; run it with /usr/bin/python3. Exits non-zero on the first
failed check.
"""

import datetime
import os
import sys

import boto3
import botocore
from botocore.config import Config


def env(name):
    value = os.environ.get(name)
    if not value:
        sys.exit("boto3_test.py: environment variable %s is not set (run it via go test ./interop/)" % name)
    return value


ENDPOINT = env("INTEROP_ENDPOINT")
REGION = env("INTEROP_REGION")
ACCOUNT = env("INTEROP_ACCOUNT_ID")
INST_A, INST_B, INST_C = env("INTEROP_INSTANCE_A"), env("INTEROP_INSTANCE_B"), env("INTEROP_INSTANCE_C")
INST_GONE, INST_OTHER = env("INTEROP_INSTANCE_GONE"), env("INTEROP_INSTANCE_OTHER")
SUBNET_A, SUBNET_A2 = env("INTEROP_SUBNET_A"), env("INTEROP_SUBNET_A2")
SUBNET_B, SUBNET_C = env("INTEROP_SUBNET_B"), env("INTEROP_SUBNET_C")
VPC = env("INTEROP_VPC")
SG_DEFAULT, SG_WEB = env("INTEROP_GROUP_DEFAULT"), env("INTEROP_GROUP_WEB")

ALL_ELB_ACTIONS = {
    "AddTags", "ApplySecurityGroupsToLoadBalancer", "AttachLoadBalancerToSubnets",
    "ConfigureHealthCheck", "CreateAppCookieStickinessPolicy", "CreateLBCookieStickinessPolicy",
    "CreateLoadBalancer", "CreateLoadBalancerListeners", "CreateLoadBalancerPolicy",
    "DeleteLoadBalancer", "DeleteLoadBalancerListeners", "DeleteLoadBalancerPolicy",
    "DeregisterInstancesFromLoadBalancer", "DescribeAccountLimits", "DescribeInstanceHealth",
    "DescribeLoadBalancerAttributes", "DescribeLoadBalancerPolicies",
    "DescribeLoadBalancerPolicyTypes", "DescribeLoadBalancers", "DescribeTags",
    "DetachLoadBalancerFromSubnets", "DisableAvailabilityZonesForLoadBalancer",
    "EnableAvailabilityZonesForLoadBalancer", "ModifyLoadBalancerAttributes",
    "RegisterInstancesWithLoadBalancer", "RemoveTags", "SetLoadBalancerListenerSSLCertificate",
    "SetLoadBalancerPoliciesForBackendServer", "SetLoadBalancerPoliciesOfListener",
}
assert len(ALL_ELB_ACTIONS) == 29

# Actions that reached elbd and returned successfully, by client.
succeeded = {"elb": set(), "iam": set()}


def step(msg):
    print("--", msg, flush=True)


def client(service, key_id, secret):
    c = boto3.session.Session(
        aws_access_key_id=key_id, aws_secret_access_key=secret, region_name=REGION,
    ).client(service, endpoint_url=ENDPOINT,
             config=Config(retries={"total_max_attempts": 1}, connect_timeout=10, read_timeout=30))

    def record(http_response, model, **_):
        if http_response.status_code == 200:
            succeeded[service].add(model.name)
    c.meta.events.register("after-call", record)
    return c


def expect_error(exc_class, code, status, fn, **kwargs):
    """Calls fn(**kwargs), which must raise exc_class with error code and HTTP status."""
    try:
        fn(**kwargs)
    except exc_class as e:
        got_code = e.response["Error"]["Code"]
        got_status = e.response["ResponseMetadata"]["HTTPStatusCode"]
        assert got_code == code, "%s: error code %r, want %r" % (fn.__name__, got_code, code)
        assert got_status == status, "%s: HTTP status %r, want %r" % (fn.__name__, got_status, status)
        assert e.response["Error"].get("Message"), "%s: empty error message" % fn.__name__
        assert e.response["ResponseMetadata"].get("RequestId"), "%s: no RequestId" % fn.__name__
        print("   %s -> %s (%s, HTTP %d): %s" % (fn.__name__, type(e).__name__, got_code, got_status, e.response["Error"]["Message"]))
        return e
    except botocore.exceptions.ClientError as e:
        raise AssertionError("%s raised %s (%s), want %s (%s)" % (
            fn.__name__, type(e).__name__, e.response["Error"]["Code"], exc_class.__name__, code))
    raise AssertionError("%s succeeded, want %s (%s)" % (fn.__name__, exc_class.__name__, code))


def read(path):
    with open(path) as f:
        return f.read()


def by_port(desc):
    return {ld["Listener"]["LoadBalancerPort"]: ld for ld in desc["ListenerDescriptions"]}


def main():
    admin_key, admin_secret = env("INTEROP_ACCESS_KEY_ID"), env("INTEROP_SECRET_ACCESS_KEY")
    elb = client("elb", admin_key, admin_secret)
    iam = client("iam", admin_key, admin_secret)
    other = client("elb", env("INTEROP_OTHER_ACCESS_KEY_ID"), env("INTEROP_OTHER_SECRET_ACCESS_KEY"))
    E, I = elb.exceptions, iam.exceptions
    rsa_cert, rsa_key = read(env("INTEROP_RSA_CERT")), read(env("INTEROP_RSA_KEY"))
    ec_cert, ec_key = read(env("INTEROP_EC_CERT")), read(env("INTEROP_EC_KEY"))
    print("boto3 %s, botocore %s, endpoint %s" % (boto3.__version__, botocore.__version__, ENDPOINT))

    # ---------------------------------------------------------------- IAM
    step("IAM: upload two server certificates (RSA, ECDSA)")
    up = iam.upload_server_certificate(ServerCertificateName="b3-rsa", CertificateBody=rsa_cert,
                                       PrivateKey=rsa_key, Tags=[{"Key": "team", "Value": "b3"}])
    meta = up["ServerCertificateMetadata"]
    rsa_arn = "arn:aws:iam::%s:server-certificate/b3-rsa" % ACCOUNT
    assert meta["Arn"] == rsa_arn, meta
    assert meta["Path"] == "/" and meta["ServerCertificateName"] == "b3-rsa", meta
    assert meta["ServerCertificateId"].startswith("ASCA"), meta
    assert isinstance(meta["UploadDate"], datetime.datetime) and meta["UploadDate"].tzinfo, meta
    days = (meta["Expiration"] - datetime.datetime.now(datetime.timezone.utc)).days
    assert 88 <= days <= 90, "Expiration %s is %d days away, want 90" % (meta["Expiration"], days)
    assert up.get("Tags") == [{"Key": "team", "Value": "b3"}], up.get("Tags")
    ec = iam.upload_server_certificate(ServerCertificateName="b3-ec", Path="/b3/", CertificateBody=ec_cert, PrivateKey=ec_key)
    ec_arn = ec["ServerCertificateMetadata"]["Arn"]
    assert ec_arn == "arn:aws:iam::%s:server-certificate/b3/b3-ec" % ACCOUNT, ec_arn

    step("IAM: error mapping")
    expect_error(I.EntityAlreadyExistsException, "EntityAlreadyExists", 409, iam.upload_server_certificate,
                 ServerCertificateName="b3-rsa", CertificateBody=rsa_cert, PrivateKey=rsa_key)
    expect_error(I.KeyPairMismatchException, "KeyPairMismatch", 400, iam.upload_server_certificate,
                 ServerCertificateName="b3-mismatch", CertificateBody=rsa_cert, PrivateKey=ec_key)
    expect_error(I.MalformedCertificateException, "MalformedCertificate", 400, iam.upload_server_certificate,
                 ServerCertificateName="b3-bad", CertificateBody="not a certificate", PrivateKey=rsa_key)
    expect_error(I.NoSuchEntityException, "NoSuchEntity", 404, iam.get_server_certificate, ServerCertificateName="b3-nope")

    step("IAM: get (no private key), list, paginate")
    got = iam.get_server_certificate(ServerCertificateName="b3-rsa")["ServerCertificate"]
    assert got["CertificateBody"].strip() == rsa_cert.strip(), got["CertificateBody"]
    assert "PrivateKey" not in got, "GetServerCertificate returned the private key"
    assert got["ServerCertificateMetadata"]["Arn"] == rsa_arn
    listed = iam.list_server_certificates()
    assert not listed["IsTruncated"], listed
    assert sorted(m["ServerCertificateName"] for m in listed["ServerCertificateMetadataList"]) == ["b3-ec", "b3-rsa"], listed
    assert [m["ServerCertificateName"] for m in iam.list_server_certificates(PathPrefix="/b3/")["ServerCertificateMetadataList"]] == ["b3-ec"]
    first = iam.list_server_certificates(MaxItems=1)
    assert first["IsTruncated"] and first["Marker"] and len(first["ServerCertificateMetadataList"]) == 1, first
    pages = list(iam.get_paginator("list_server_certificates").paginate(PaginationConfig={"PageSize": 1}))
    assert len(pages) == 2, pages
    assert sorted(m["ServerCertificateName"] for p in pages for m in p["ServerCertificateMetadataList"]) == ["b3-ec", "b3-rsa"]

    # --------------------------------------------------------- create LBs
    step("CreateLoadBalancer with HTTP, HTTPS and TCP listeners, zones and tags")
    created = elb.create_load_balancer(
        LoadBalancerName="b3-web",
        Listeners=[
            {"Protocol": "HTTP", "LoadBalancerPort": 80, "InstanceProtocol": "HTTP", "InstancePort": 8080},
            {"Protocol": "https", "LoadBalancerPort": 443, "InstanceProtocol": "http", "InstancePort": 8080,
             "SSLCertificateId": rsa_arn},
            {"Protocol": "TCP", "LoadBalancerPort": 25, "InstanceProtocol": "TCP", "InstancePort": 2525},
        ],
        AvailabilityZones=["us-east-1a", "us-east-1b"],
        Tags=[{"Key": "env", "Value": "interop"}, {"Key": "cost", "Value": "42"}],
    )
    assert created["DNSName"].startswith("b3-web-") and created["DNSName"].endswith(".us-east-1.elb.test"), created

    step("CreateLoadBalancer errors map to modeled exceptions")
    expect_error(E.DuplicateAccessPointNameException, "DuplicateLoadBalancerName", 400, elb.create_load_balancer,
                 LoadBalancerName="b3-web", AvailabilityZones=["us-east-1c"],
                 Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 8081, "InstancePort": 8081}])
    expect_error(E.CertificateNotFoundException, "CertificateNotFound", 400, elb.create_load_balancer,
                 LoadBalancerName="b3-nocert", AvailabilityZones=["us-east-1c"],
                 Listeners=[{"Protocol": "HTTPS", "LoadBalancerPort": 443, "InstancePort": 80,
                             "SSLCertificateId": "arn:aws:iam::%s:server-certificate/b3-nope" % ACCOUNT}])
    expect_error(E.UnsupportedProtocolException, "UnsupportedProtocol", 400, elb.create_load_balancer,
                 LoadBalancerName="b3-ftp", AvailabilityZones=["us-east-1c"],
                 Listeners=[{"Protocol": "FTP", "LoadBalancerPort": 2121, "InstancePort": 21}])
    expect_error(E.InvalidSchemeException, "InvalidScheme", 400, elb.create_load_balancer,
                 LoadBalancerName="b3-scheme", AvailabilityZones=["us-east-1c"], Scheme="internal",
                 Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}])

    step("CreateLoadBalancer in a VPC (subnets, security group, internal)")
    vpc = elb.create_load_balancer(
        LoadBalancerName="b3-vpc", Subnets=[SUBNET_A, SUBNET_B], SecurityGroups=[SG_WEB], Scheme="internal",
        Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}])
    assert vpc["DNSName"].startswith("internal-b3-vpc-"), vpc
    d = elb.describe_load_balancers(LoadBalancerNames=["b3-vpc"])["LoadBalancerDescriptions"][0]
    assert d["VPCId"] == VPC and d["Scheme"] == "internal", d
    assert sorted(d["Subnets"]) == sorted([SUBNET_A, SUBNET_B]), d["Subnets"]
    assert sorted(d["AvailabilityZones"]) == ["us-east-1a", "us-east-1b"], d["AvailabilityZones"]
    assert d["SecurityGroups"] == [SG_WEB], d["SecurityGroups"]

    step("subnets and security groups")
    att = elb.attach_load_balancer_to_subnets(LoadBalancerName="b3-vpc", Subnets=[SUBNET_C])
    assert sorted(att["Subnets"]) == sorted([SUBNET_A, SUBNET_B, SUBNET_C]), att
    det = elb.detach_load_balancer_from_subnets(LoadBalancerName="b3-vpc", Subnets=[SUBNET_B])
    assert sorted(det["Subnets"]) == sorted([SUBNET_A, SUBNET_C]), det
    sg = elb.apply_security_groups_to_load_balancer(LoadBalancerName="b3-vpc", SecurityGroups=[SG_DEFAULT, SG_WEB])
    assert sorted(sg["SecurityGroups"]) == sorted([SG_DEFAULT, SG_WEB]), sg
    d = elb.describe_load_balancers(LoadBalancerNames=["b3-vpc"])["LoadBalancerDescriptions"][0]
    assert sorted(d["AvailabilityZones"]) == ["us-east-1a", "us-east-1c"], d["AvailabilityZones"]
    # A second subnet in zone a: 409 InvalidConfigurationRequest.
    e = expect_error(E.InvalidConfigurationRequestException, "InvalidConfigurationRequest", 409,
                     elb.attach_load_balancer_to_subnets, LoadBalancerName="b3-vpc", Subnets=[SUBNET_A2])
    expect_error(E.InvalidConfigurationRequestException, "InvalidConfigurationRequest", 409,
                 elb.enable_availability_zones_for_load_balancer, LoadBalancerName="b3-vpc", AvailabilityZones=["us-east-1b"])
    expect_error(E.SubnetNotFoundException, "SubnetNotFound", 400,
                 elb.attach_load_balancer_to_subnets, LoadBalancerName="b3-vpc", Subnets=["subnet-0nope0001"])
    expect_error(E.InvalidSecurityGroupException, "InvalidSecurityGroup", 400,
                 elb.apply_security_groups_to_load_balancer, LoadBalancerName="b3-vpc", SecurityGroups=["sg-0nope0001"])

    # ----------------------------------------------------- describe/paging
    step("DescribeLoadBalancers: full shape of b3-web")
    d = elb.describe_load_balancers(LoadBalancerNames=["b3-web"])["LoadBalancerDescriptions"][0]
    assert d["LoadBalancerName"] == "b3-web" and d["DNSName"] == created["DNSName"], d
    assert d["CanonicalHostedZoneName"] and d["CanonicalHostedZoneNameID"], d
    assert d["Scheme"] == "internet-facing" and d["AvailabilityZones"] == ["us-east-1a", "us-east-1b"], d
    assert d["Subnets"] == [] and d["SecurityGroups"] == [] and d["Instances"] == [], d
    assert "VPCId" not in d or not d["VPCId"], d
    assert isinstance(d["CreatedTime"], datetime.datetime), d["CreatedTime"]
    assert d["SourceSecurityGroup"]["GroupName"] and d["SourceSecurityGroup"]["OwnerAlias"], d["SourceSecurityGroup"]
    hc = d["HealthCheck"]
    assert set(hc) == {"Target", "Interval", "Timeout", "UnhealthyThreshold", "HealthyThreshold"}, hc
    assert hc["Timeout"] < hc["Interval"], hc
    ls = by_port(d)
    assert sorted(ls) == [25, 80, 443], ls
    assert ls[443]["Listener"] == {"Protocol": "HTTPS", "LoadBalancerPort": 443, "InstanceProtocol": "HTTP",
                                   "InstancePort": 8080, "SSLCertificateId": rsa_arn}, ls[443]
    assert ls[443]["PolicyNames"] == ["ELBSecurityPolicy-2016-08"], ls[443]
    assert ls[80]["PolicyNames"] == [] and ls[25]["PolicyNames"] == [], ls
    assert d["Policies"] == {"AppCookieStickinessPolicies": [], "LBCookieStickinessPolicies": [],
                             "OtherPolicies": ["ELBSecurityPolicy-2016-08"]}, d["Policies"]
    assert d["BackendServerDescriptions"] == [], d

    step("DescribeLoadBalancers paginator with PageSize=2 over 5 load balancers")
    for n in ("b3-p1", "b3-p2", "b3-p3"):
        elb.create_load_balancer(LoadBalancerName=n, AvailabilityZones=["us-east-1c"],
                                 Listeners=[{"Protocol": "TCP", "LoadBalancerPort": 2222, "InstancePort": 22}])
    everyone = ["b3-p1", "b3-p2", "b3-p3", "b3-vpc", "b3-web"]
    pages = list(elb.get_paginator("describe_load_balancers").paginate(PaginationConfig={"PageSize": 2}))
    sizes = [len(p["LoadBalancerDescriptions"]) for p in pages]
    assert sizes == [2, 2, 1], "page sizes %s, want [2, 2, 1]" % sizes
    assert all(p.get("NextMarker") for p in pages[:-1]) and not pages[-1].get("NextMarker"), pages
    names = [lb["LoadBalancerName"] for p in pages for lb in p["LoadBalancerDescriptions"]]
    assert sorted(names) == everyone, names
    full = elb.get_paginator("describe_load_balancers").paginate(PaginationConfig={"PageSize": 2, "MaxItems": 3}).build_full_result()
    assert len(full["LoadBalancerDescriptions"]) == 3 and full.get("NextToken"), full
    rest = elb.get_paginator("describe_load_balancers").paginate(
        PaginationConfig={"PageSize": 2, "MaxItems": 3, "StartingToken": full["NextToken"]}).build_full_result()
    assert sorted([lb["LoadBalancerName"] for lb in full["LoadBalancerDescriptions"] + rest["LoadBalancerDescriptions"]]) == everyone

    step("DescribeAccountLimits (and its paginator)")
    limits = {l["Name"]: l["Max"] for l in elb.describe_account_limits()["Limits"]}
    assert set(limits) == {"classic-load-balancers", "classic-listeners", "classic-registered-instances"}, limits
    assert all(isinstance(v, str) and int(v) > 0 for v in limits.values()), limits
    lpages = list(elb.get_paginator("describe_account_limits").paginate(PaginationConfig={"PageSize": 1}))
    assert [len(p["Limits"]) for p in lpages] == [1, 1, 1], lpages

    step("AccessPointNotFoundException and account isolation")
    expect_error(E.AccessPointNotFoundException, "LoadBalancerNotFound", 400,
                 elb.describe_load_balancers, LoadBalancerNames=["b3-nope"])
    # Exception classes belong to a client: use the other client's.
    expect_error(other.exceptions.AccessPointNotFoundException, "LoadBalancerNotFound", 400,
                 other.describe_load_balancers, LoadBalancerNames=["b3-web"])
    assert other.describe_load_balancers()["LoadBalancerDescriptions"] == []
    expect_error(other.exceptions.AccessPointNotFoundException, "LoadBalancerNotFound", 400,
                 other.delete_load_balancer_listeners, LoadBalancerName="b3-web", LoadBalancerPorts=[80])

    step("TooManyAccessPointsException at the per-account limit")
    extra = []
    for i in range(int(limits["classic-load-balancers"]) - len(everyone)):
        n = "b3-fill-%02d" % i
        elb.create_load_balancer(LoadBalancerName=n, AvailabilityZones=["us-east-1a"],
                                 Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}])
        extra.append(n)
    expect_error(E.TooManyAccessPointsException, "TooManyLoadBalancers", 400, elb.create_load_balancer,
                 LoadBalancerName="b3-one-too-many", AvailabilityZones=["us-east-1a"],
                 Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}])
    for n in extra:
        elb.delete_load_balancer(LoadBalancerName=n)

    # ------------------------------------------------------------ listeners
    step("listeners: create, duplicate, SSL certificate swap")
    elb.create_load_balancer_listeners(LoadBalancerName="b3-web", Listeners=[
        {"Protocol": "TCP", "LoadBalancerPort": 3306, "InstanceProtocol": "TCP", "InstancePort": 3306}])
    expect_error(E.DuplicateListenerException, "DuplicateListener", 400, elb.create_load_balancer_listeners,
                 LoadBalancerName="b3-web", Listeners=[{"Protocol": "TCP", "LoadBalancerPort": 80, "InstancePort": 9}])
    elb.set_load_balancer_listener_ssl_certificate(LoadBalancerName="b3-web", LoadBalancerPort=443, SSLCertificateId=ec_arn)
    d = elb.describe_load_balancers(LoadBalancerNames=["b3-web"])["LoadBalancerDescriptions"][0]
    assert by_port(d)[443]["Listener"]["SSLCertificateId"] == ec_arn, by_port(d)[443]
    expect_error(E.ListenerNotFoundException, "ListenerNotFound", 400, elb.set_load_balancer_listener_ssl_certificate,
                 LoadBalancerName="b3-web", LoadBalancerPort=8443, SSLCertificateId=ec_arn)
    expect_error(E.InvalidConfigurationRequestException, "InvalidConfigurationRequest", 409,
                 elb.set_load_balancer_listener_ssl_certificate, LoadBalancerName="b3-web", LoadBalancerPort=80, SSLCertificateId=ec_arn)
    expect_error(I.DeleteConflictException, "DeleteConflict", 409, iam.delete_server_certificate, ServerCertificateName="b3-ec")
    iam.delete_server_certificate(ServerCertificateName="b3-rsa")  # no longer in use

    # --------------------------------------------------------- health/instances
    step("ConfigureHealthCheck")
    want_hc = {"Target": "HTTP:8080/healthz", "Interval": 10, "Timeout": 5, "UnhealthyThreshold": 3, "HealthyThreshold": 2}
    assert elb.configure_health_check(LoadBalancerName="b3-web", HealthCheck=want_hc)["HealthCheck"] == want_hc
    d = elb.describe_load_balancers(LoadBalancerNames=["b3-web"])["LoadBalancerDescriptions"][0]
    assert d["HealthCheck"] == want_hc, d["HealthCheck"]

    step("register / describe health / deregister; InvalidEndPointException")
    reg = elb.register_instances_with_load_balancer(LoadBalancerName="b3-web", Instances=[{"InstanceId": INST_A}, {"InstanceId": INST_B}])
    assert sorted(i["InstanceId"] for i in reg["Instances"]) == sorted([INST_A, INST_B]), reg
    reg = elb.register_instances_with_load_balancer(LoadBalancerName="b3-web", Instances=[{"InstanceId": INST_C}])
    # The result is the full list of registered instances, not the delta.
    assert sorted(i["InstanceId"] for i in reg["Instances"]) == sorted([INST_A, INST_B, INST_C]), reg
    for bad in ("i-0123456789abcdef9", INST_OTHER):
        expect_error(E.InvalidEndPointException, "InvalidInstance", 400, elb.register_instances_with_load_balancer,
                     LoadBalancerName="b3-web", Instances=[{"InstanceId": bad}])
    health = elb.describe_instance_health(LoadBalancerName="b3-web")["InstanceStates"]
    assert sorted(s["InstanceId"] for s in health) == sorted([INST_A, INST_B, INST_C]), health
    for s in health:
        assert s["State"] in ("InService", "OutOfService", "Unknown"), s
        assert set(s) == {"InstanceId", "State", "ReasonCode", "Description"}, s
    one = elb.describe_instance_health(LoadBalancerName="b3-web", Instances=[{"InstanceId": INST_B}])["InstanceStates"]
    assert [s["InstanceId"] for s in one] == [INST_B], one
    expect_error(E.InvalidEndPointException, "InvalidInstance", 400, elb.describe_instance_health,
                 LoadBalancerName="b3-web", Instances=[{"InstanceId": "i-0123456789abcdef9"}])
    dereg = elb.deregister_instances_from_load_balancer(LoadBalancerName="b3-web", Instances=[{"InstanceId": INST_C}])
    assert sorted(i["InstanceId"] for i in dereg["Instances"]) == sorted([INST_A, INST_B]), dereg
    step("waiter instance_deregistered (Delay=1)")
    elb.get_waiter("instance_deregistered").wait(LoadBalancerName="b3-web", Instances=[{"InstanceId": INST_C}],
                                                 WaiterConfig={"Delay": 1, "MaxAttempts": 10})

    # ------------------------------------------------------------- attributes
    step("Modify/DescribeLoadBalancerAttributes")
    mod = elb.modify_load_balancer_attributes(LoadBalancerName="b3-web", LoadBalancerAttributes={
        "CrossZoneLoadBalancing": {"Enabled": True},
        "ConnectionDraining": {"Enabled": True, "Timeout": 120},
        "ConnectionSettings": {"IdleTimeout": 300},
        "AccessLog": {"Enabled": False},
        "AdditionalAttributes": [{"Key": "elb.http.desyncmitigationmode", "Value": "monitor"}],
    })
    assert mod["LoadBalancerName"] == "b3-web", mod
    attrs = elb.describe_load_balancer_attributes(LoadBalancerName="b3-web")["LoadBalancerAttributes"]
    assert attrs["CrossZoneLoadBalancing"] == {"Enabled": True}, attrs
    assert attrs["ConnectionDraining"] == {"Enabled": True, "Timeout": 120}, attrs
    assert attrs["ConnectionSettings"] == {"IdleTimeout": 300}, attrs
    assert attrs["AccessLog"]["Enabled"] is False, attrs
    assert {"Key": "elb.http.desyncmitigationmode", "Value": "monitor"} in attrs["AdditionalAttributes"], attrs
    assert mod["LoadBalancerAttributes"] == attrs, (mod["LoadBalancerAttributes"], attrs)
    # Draining off keeps the timeout (Terraform relies on it).
    elb.modify_load_balancer_attributes(LoadBalancerName="b3-web", LoadBalancerAttributes={"ConnectionDraining": {"Enabled": False}})
    attrs = elb.describe_load_balancer_attributes(LoadBalancerName="b3-web")["LoadBalancerAttributes"]
    assert attrs["ConnectionDraining"] == {"Enabled": False, "Timeout": 120}, attrs
    expect_error(E.InvalidConfigurationRequestException, "InvalidConfigurationRequest", 409,
                 elb.modify_load_balancer_attributes, LoadBalancerName="b3-web",
                 LoadBalancerAttributes={"AccessLog": {"Enabled": True, "EmitInterval": 5}})
    expect_error(E.LoadBalancerAttributeNotFoundException, "LoadBalancerAttributeNotFound", 400,
                 elb.modify_load_balancer_attributes, LoadBalancerName="b3-web",
                 LoadBalancerAttributes={"AdditionalAttributes": [{"Key": "elb.nope", "Value": "x"}]})

    # ---------------------------------------------------------------- policies
    step("policies: create all kinds")
    elb.create_app_cookie_stickiness_policy(LoadBalancerName="b3-web", PolicyName="b3-app", CookieName="SESSIONID")
    elb.create_lb_cookie_stickiness_policy(LoadBalancerName="b3-web", PolicyName="b3-lb", CookieExpirationPeriod=300)
    elb.create_load_balancer_policy(LoadBalancerName="b3-web", PolicyName="b3-proxy", PolicyTypeName="ProxyProtocolPolicyType",
                                    PolicyAttributes=[{"AttributeName": "ProxyProtocol", "AttributeValue": "true"}])
    elb.create_load_balancer_policy(LoadBalancerName="b3-web", PolicyName="b3-ssl", PolicyTypeName="SSLNegotiationPolicyType",
                                    PolicyAttributes=[{"AttributeName": "Reference-Security-Policy",
                                                       "AttributeValue": "ELBSecurityPolicy-TLS-1-2-2017-01"}])
    expect_error(E.DuplicatePolicyNameException, "DuplicatePolicyName", 400, elb.create_lb_cookie_stickiness_policy,
                 LoadBalancerName="b3-web", PolicyName="b3-lb", CookieExpirationPeriod=60)
    expect_error(E.PolicyTypeNotFoundException, "PolicyTypeNotFound", 400, elb.create_load_balancer_policy,
                 LoadBalancerName="b3-web", PolicyName="b3-x", PolicyTypeName="NopePolicyType")

    step("policies: attach to listeners and back-end port")
    elb.set_load_balancer_policies_of_listener(LoadBalancerName="b3-web", LoadBalancerPort=80, PolicyNames=["b3-lb"])
    elb.set_load_balancer_policies_of_listener(LoadBalancerName="b3-web", LoadBalancerPort=443, PolicyNames=["b3-ssl", "b3-app"])
    elb.set_load_balancer_policies_for_backend_server(LoadBalancerName="b3-web", InstancePort=2525, PolicyNames=["b3-proxy"])
    d = elb.describe_load_balancers(LoadBalancerNames=["b3-web"])["LoadBalancerDescriptions"][0]
    ls = by_port(d)
    assert ls[80]["PolicyNames"] == ["b3-lb"], ls[80]
    assert sorted(ls[443]["PolicyNames"]) == ["b3-app", "b3-ssl"], ls[443]
    assert d["BackendServerDescriptions"] == [{"InstancePort": 2525, "PolicyNames": ["b3-proxy"]}], d["BackendServerDescriptions"]
    assert d["Policies"]["AppCookieStickinessPolicies"] == [{"PolicyName": "b3-app", "CookieName": "SESSIONID"}], d["Policies"]
    assert d["Policies"]["LBCookieStickinessPolicies"] == [{"PolicyName": "b3-lb", "CookieExpirationPeriod": 300}], d["Policies"]
    assert {"b3-proxy", "b3-ssl"} <= set(d["Policies"]["OtherPolicies"]), d["Policies"]
    expect_error(E.PolicyNotFoundException, "PolicyNotFound", 400, elb.set_load_balancer_policies_of_listener,
                 LoadBalancerName="b3-web", LoadBalancerPort=80, PolicyNames=["b3-nope"])
    expect_error(E.ListenerNotFoundException, "ListenerNotFound", 400, elb.set_load_balancer_policies_of_listener,
                 LoadBalancerName="b3-web", LoadBalancerPort=8081, PolicyNames=["b3-lb"])
    expect_error(E.InvalidConfigurationRequestException, "InvalidConfigurationRequest", 409,
                 elb.set_load_balancer_policies_of_listener, LoadBalancerName="b3-web", LoadBalancerPort=25, PolicyNames=["b3-lb"])
    expect_error(E.InvalidConfigurationRequestException, "InvalidConfigurationRequest", 409,
                 elb.delete_load_balancer_policy, LoadBalancerName="b3-web", PolicyName="b3-lb")

    step("DescribeLoadBalancerPolicies: of the load balancer, filtered, predefined")
    pols = {p["PolicyName"]: p for p in elb.describe_load_balancer_policies(LoadBalancerName="b3-web")["PolicyDescriptions"]}
    assert {"b3-app", "b3-lb", "b3-proxy", "b3-ssl", "ELBSecurityPolicy-2016-08"} <= set(pols), sorted(pols)
    assert pols["b3-lb"]["PolicyTypeName"] == "LBCookieStickinessPolicyType", pols["b3-lb"]
    assert pols["b3-lb"]["PolicyAttributeDescriptions"] == [{"AttributeName": "CookieExpirationPeriod", "AttributeValue": "300"}], pols["b3-lb"]
    assert pols["b3-app"]["PolicyAttributeDescriptions"] == [{"AttributeName": "CookieName", "AttributeValue": "SESSIONID"}], pols["b3-app"]
    ssl_attrs = {a["AttributeName"]: a["AttributeValue"] for a in pols["b3-ssl"]["PolicyAttributeDescriptions"]}
    assert ssl_attrs.get("Reference-Security-Policy") == "ELBSecurityPolicy-TLS-1-2-2017-01", ssl_attrs
    assert ssl_attrs.get("Protocol-TLSv1.2") == "true" and ssl_attrs.get("Protocol-TLSv1") == "false", ssl_attrs
    only = elb.describe_load_balancer_policies(LoadBalancerName="b3-web", PolicyNames=["b3-proxy"])["PolicyDescriptions"]
    assert only == [{"PolicyName": "b3-proxy", "PolicyTypeName": "ProxyProtocolPolicyType",
                     "PolicyAttributeDescriptions": [{"AttributeName": "ProxyProtocol", "AttributeValue": "true"}]}], only
    expect_error(E.PolicyNotFoundException, "PolicyNotFound", 400, elb.describe_load_balancer_policies,
                 LoadBalancerName="b3-web", PolicyNames=["b3-nope"])
    predefined = {p["PolicyName"]: p for p in elb.describe_load_balancer_policies()["PolicyDescriptions"]}
    assert "ELBSecurityPolicy-2016-08" in predefined and "ELBSecurityPolicy-TLS-1-2-2017-01" in predefined, sorted(predefined)
    assert all(p["PolicyTypeName"] == "SSLNegotiationPolicyType" for p in predefined.values())
    p2016 = {a["AttributeName"]: a["AttributeValue"] for a in predefined["ELBSecurityPolicy-2016-08"]["PolicyAttributeDescriptions"]}
    assert p2016["Protocol-TLSv1.2"] == "true" and p2016["Protocol-SSLv3"] == "false" and p2016["ECDHE-RSA-AES128-GCM-SHA256"] == "true", p2016

    step("DescribeLoadBalancerPolicyTypes")
    types = {t["PolicyTypeName"]: t for t in elb.describe_load_balancer_policy_types()["PolicyTypeDescriptions"]}
    assert set(types) == {"SSLNegotiationPolicyType", "BackendServerAuthenticationPolicyType", "PublicKeyPolicyType",
                          "AppCookieStickinessPolicyType", "LBCookieStickinessPolicyType", "ProxyProtocolPolicyType"}, sorted(types)
    lbc = elb.describe_load_balancer_policy_types(PolicyTypeNames=["LBCookieStickinessPolicyType"])["PolicyTypeDescriptions"]
    assert len(lbc) == 1 and lbc[0]["Description"], lbc
    at = lbc[0]["PolicyAttributeTypeDescriptions"][0]
    assert (at["AttributeName"], at["AttributeType"], at["Cardinality"]) == ("CookieExpirationPeriod", "Long", "ZERO_OR_ONE"), at
    expect_error(E.PolicyTypeNotFoundException, "PolicyTypeNotFound", 400, elb.describe_load_balancer_policy_types,
                 PolicyTypeNames=["NopePolicyType"])

    step("policies: clear with empty lists (botocore sends 'PolicyNames='), delete")
    elb.set_load_balancer_policies_of_listener(LoadBalancerName="b3-web", LoadBalancerPort=80, PolicyNames=[])
    elb.set_load_balancer_policies_for_backend_server(LoadBalancerName="b3-web", InstancePort=2525, PolicyNames=[])
    d = elb.describe_load_balancers(LoadBalancerNames=["b3-web"])["LoadBalancerDescriptions"][0]
    assert by_port(d)[80]["PolicyNames"] == [] and d["BackendServerDescriptions"] == [], d
    elb.delete_load_balancer_policy(LoadBalancerName="b3-web", PolicyName="b3-lb")
    elb.delete_load_balancer_policy(LoadBalancerName="b3-web", PolicyName="b3-proxy")
    d = elb.describe_load_balancers(LoadBalancerNames=["b3-web"])["LoadBalancerDescriptions"][0]
    assert d["Policies"]["LBCookieStickinessPolicies"] == [] and "b3-proxy" not in d["Policies"]["OtherPolicies"], d["Policies"]

    # -------------------------------------------------------------------- tags
    step("tags")
    elb.add_tags(LoadBalancerNames=["b3-web"], Tags=[{"Key": "team", "Value": "web"}, {"Key": "env", "Value": "prod"}])
    elb.remove_tags(LoadBalancerNames=["b3-web"], Tags=[{"Key": "cost"}])
    td = elb.describe_tags(LoadBalancerNames=["b3-web", "b3-vpc"])["TagDescriptions"]
    tags = {t["LoadBalancerName"]: {x["Key"]: x.get("Value") for x in t["Tags"]} for t in td}
    assert tags == {"b3-web": {"env": "prod", "team": "web"}, "b3-vpc": {}}, tags
    expect_error(E.DuplicateTagKeysException, "DuplicateTagKeys", 400, elb.add_tags,
                 LoadBalancerNames=["b3-web"], Tags=[{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}])
    expect_error(E.TooManyTagsException, "TooManyTags", 400, elb.add_tags,
                 LoadBalancerNames=["b3-web"], Tags=[{"Key": "k%d" % i, "Value": "v"} for i in range(60)])
    expect_error(E.AccessPointNotFoundException, "LoadBalancerNotFound", 400, elb.describe_tags, LoadBalancerNames=["b3-nope"])

    # -------------------------------------------------------------------- zones
    step("availability zones")
    z = elb.enable_availability_zones_for_load_balancer(LoadBalancerName="b3-web", AvailabilityZones=["us-east-1c"])
    assert sorted(z["AvailabilityZones"]) == ["us-east-1a", "us-east-1b", "us-east-1c"], z
    z = elb.disable_availability_zones_for_load_balancer(LoadBalancerName="b3-web", AvailabilityZones=["us-east-1a", "us-east-1b"])
    assert z["AvailabilityZones"] == ["us-east-1c"], z
    expect_error(E.InvalidConfigurationRequestException, "InvalidConfigurationRequest", 409,
                 elb.disable_availability_zones_for_load_balancer, LoadBalancerName="b3-web", AvailabilityZones=["us-east-1c"])

    # ----------------------------------------------------------------- teardown
    step("delete listeners, load balancers (idempotent), certificate")
    elb.delete_load_balancer_listeners(LoadBalancerName="b3-web", LoadBalancerPorts=[3306, 25])
    d = elb.describe_load_balancers(LoadBalancerNames=["b3-web"])["LoadBalancerDescriptions"][0]
    assert sorted(by_port(d)) == [80, 443], sorted(by_port(d))
    for n in everyone:
        elb.delete_load_balancer(LoadBalancerName=n)
    elb.delete_load_balancer(LoadBalancerName="b3-web")
    assert elb.describe_load_balancers()["LoadBalancerDescriptions"] == []
    expect_error(E.AccessPointNotFoundException, "LoadBalancerNotFound", 400,
                 elb.describe_load_balancers, LoadBalancerNames=["b3-web"])
    iam.delete_server_certificate(ServerCertificateName="b3-ec")
    assert iam.list_server_certificates()["ServerCertificateMetadataList"] == []

    missing = sorted(ALL_ELB_ACTIONS - succeeded["elb"])
    assert not missing, "ELB actions never called successfully: %s" % missing
    missing_iam = sorted({"UploadServerCertificate", "GetServerCertificate", "ListServerCertificates",
                          "DeleteServerCertificate"} - succeeded["iam"])
    assert not missing_iam, "IAM actions never called successfully: %s" % missing_iam
    print("OK: %d ELB actions and %d IAM actions succeeded through boto3" % (len(succeeded["elb"]), len(succeeded["iam"])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
