#!/usr/bin/python3
"""Apache libcloud's ELB driver against elbd: the acceptance recipe of
libcloud-elb.md §7.3, adapted.

libcloud 3.x's ElasticLBDriver takes no endpoint, so we re-point its
connection after construction. It sends every call as a SigV4-signed GET to
/2012-06-01/ and parses responses with strict namespace lookups. Its known
quirks (pinned below for libcloud 3.x, Debian 3.4.1) are client-side; if a
later libcloud fixes one, relax the assertion rather than change elbd.

Run by interop_test.go (TestLibcloud), which starts elbd and sets INTEROP_*.
Uses Debian's python3-libcloud; run it with /usr/bin/python3. Exits non-zero
on the first failed check.
"""

import os
import sys
from urllib.parse import urlsplit

import libcloud
from libcloud.common.exceptions import BaseHTTPError
from libcloud.common.types import InvalidCredsError
from libcloud.compute.base import Node
from libcloud.compute.types import NodeState
from libcloud.loadbalancer.base import Algorithm, Member
from libcloud.loadbalancer.drivers.elb import ROOT
from libcloud.loadbalancer.providers import get_driver
from libcloud.loadbalancer.types import Provider, State


def env(name):
    value = os.environ.get(name)
    if not value:
        sys.exit("libcloud_test.py: environment variable %s is not set (run it via go test ./interop/)" % name)
    return value


ENDPOINT = urlsplit(env("INTEROP_ENDPOINT"))
REGION = env("INTEROP_REGION")
INST_A, INST_B = env("INTEROP_INSTANCE_A"), env("INTEROP_INSTANCE_B")
LB, TCP_LB = "lc-web", "lc-tcp"


def step(msg):
    print("--", msg, flush=True)


def driver(key_id, secret):
    # ElasticLBDriver(access_id, secret, region, token=None): no host/port/
    # secure arguments (libcloud-elb.md §3.6). Re-point the connection and
    # rebuild its HTTP session with connect().
    d = get_driver(Provider.ELB)(key_id, secret, REGION)
    d.connection.host = ENDPOINT.hostname
    d.connection.port = ENDPOINT.port
    d.connection.secure = ENDPOINT.scheme == "https"
    d.connection.connect()
    return d


def node(instance_id):
    return Node(id=instance_id, name=instance_id, state=NodeState.RUNNING,
                public_ips=[], private_ips=[], driver=None)


def expect_http_error(code, status, fn, *args, **kwargs):
    """fn must raise BaseHTTPError with HTTP status and the error code in its message."""
    try:
        fn(*args, **kwargs)
    except BaseHTTPError as e:
        assert e.code == status, "%s: HTTP %r, want %r (%s)" % (fn.__name__, e.code, status, e)
        assert code in str(e), "%s: %r does not name %s" % (fn.__name__, str(e), code)
        print("   %s -> BaseHTTPError %d: %s" % (fn.__name__, e.code, e))
        return e
    raise AssertionError("%s succeeded, want BaseHTTPError %d %s" % (fn.__name__, status, code))


def raw(d, action, **params):
    """A request the driver has no (working) method for, sent through the
    driver's own signed connection (GET /2012-06-01/)."""
    params["Action"] = action
    return d.connection.request(ROOT, params=params)


def main():
    print("libcloud %s, endpoint %s" % (libcloud.__version__, ENDPOINT.geturl()))
    d = driver(env("INTEROP_ACCESS_KEY_ID"), env("INTEROP_SECRET_ACCESS_KEY"))
    assert d.list_protocols() == ["tcp", "ssl", "http", "https"]

    step("create_balancer (HTTP, zone a) and a TCP one in zones a, b")
    lb = d.create_balancer(name=LB, port=80, protocol="http", algorithm=Algorithm.ROUND_ROBIN, members=[])
    assert lb.id == LB and lb.name == LB and lb.port == 80, lb
    # Quirk: create_balancer returns State.PENDING, and reads DNSName as a
    # direct child of the response root, while AWS (and elbd) put it in
    # CreateLoadBalancerResult, so lb.ip is None (libcloud-elb.md §0.5).
    assert lb.state == State.PENDING, lb.state
    assert lb.ip is None, "lb.ip = %r: libcloud now reads DNSName from the result; relax this pin" % lb.ip
    tcp = d.create_balancer(name=TCP_LB, port=2525, protocol="tcp", algorithm=None, members=[],
                            ex_members_availability_zones=["a", "b"])
    assert tcp.name == TCP_LB and tcp.port == 2525, tcp

    step("list_balancers / get_balancer")
    listed = {b.name: b for b in d.list_balancers()}
    assert sorted(listed) == sorted([LB, TCP_LB]), sorted(listed)
    for b in listed.values():
        # Quirk: list/get read LoadBalancerPort directly under the member
        # element, where AWS never puts it, so port is always None; state is
        # always UNKNOWN.
        assert b.port is None, "port = %r: libcloud now parses listener ports; relax this pin" % b.port
        assert b.state == State.UNKNOWN, b.state
        assert b.ip and b.ip.startswith(b.name + "-") and ".us-east-1." in b.ip, b.ip  # DNSName
        assert b.list_members() == [], b.list_members()
    got = d.get_balancer(LB)
    assert got.id == LB and got.ip == listed[LB].ip, got

    step("balancer_attach_compute_node with topology instances")
    # Returns None instead of a Member (driver bug, libcloud-elb.md §3.5.3).
    assert d.balancer_attach_compute_node(lb, node(INST_A)) is None
    assert d.balancer_attach_compute_node(lb, node(INST_B)) is None
    members = d.get_balancer(LB).list_members()
    assert sorted(m.id for m in members) == sorted([INST_A, INST_B]), members
    assert all(m.ip is None and m.port is None for m in members), members
    expect_http_error("InvalidInstance", 400, d.balancer_attach_compute_node, lb, node("i-0123456789abcdef9"))

    step("ex_create_balancer_policy without attributes")
    # The driver's attribute code is broken on Python 3 (dict.iteritems) and
    # mangles the keys, so only attribute-less policies can be created.
    # LBCookieStickinessPolicyType has no required attribute.
    assert d.ex_create_balancer_policy(LB, "lc-sticky", "LBCookieStickinessPolicyType") is True
    # ProxyProtocolPolicyType's one attribute has Cardinality ONE ("single
    # value required"). elbd enforces it, so the §7.3 recipe's attribute-less
    # proxy policy is refused with 409 InvalidConfigurationRequest; a lenient
    # server would return True. Accept both, say which.
    try:
        ok = d.ex_create_balancer_policy(TCP_LB, "lc-proxy", "ProxyProtocolPolicyType")
        assert ok is True, ok
        print("   attribute-less ProxyProtocolPolicyType accepted")
        lenient = True
    except BaseHTTPError as e:
        assert e.code == 409 and "InvalidConfigurationRequest" in str(e) and "ProxyProtocol" in str(e), e
        print("   attribute-less ProxyProtocolPolicyType refused: %s" % e)
        lenient = False
    if not lenient:
        # Create it with its attribute through the driver's own signed
        # connection, as a libcloud user would have to.
        resp = raw(d, "CreateLoadBalancerPolicy", LoadBalancerName=TCP_LB, PolicyName="lc-proxy",
                   PolicyTypeName="ProxyProtocolPolicyType",
                   **{"PolicyAttributes.member.1.AttributeName": "ProxyProtocol",
                      "PolicyAttributes.member.1.AttributeValue": "true"})
        assert resp.status == 200, resp.status
    expect_http_error("DuplicatePolicyName", 400, d.ex_create_balancer_policy, LB, "lc-sticky", "LBCookieStickinessPolicyType")
    expect_http_error("PolicyTypeNotFound", 400, d.ex_create_balancer_policy, LB, "lc-x", "NopePolicyType")

    step("ex_list_balancer_policies / ex_list_balancer_policy_types")
    assert "lc-sticky" in d.ex_list_balancer_policies(d.get_balancer(LB)), d.ex_list_balancer_policies(d.get_balancer(LB))
    assert d.ex_list_balancer_policies(d.get_balancer(TCP_LB)) == ["lc-proxy"]
    types = d.ex_list_balancer_policy_types()
    assert "ProxyProtocolPolicyType" in types and "LBCookieStickinessPolicyType" in types, types

    step("ex_set_balancer_policies_backend_server(instance_port=...) and _listener")
    # The tutorial's port= keyword raises TypeError; the parameter is instance_port.
    assert d.ex_set_balancer_policies_backend_server(TCP_LB, instance_port=2525, policies=["lc-proxy"]) is True
    assert d.ex_set_balancer_policies_listener(LB, port=80, policies=["lc-sticky"]) is True
    expect_http_error("InvalidConfigurationRequest", 409, d.ex_delete_balancer_policy, LB, "lc-sticky")
    expect_http_error("PolicyNotFound", 400, d.ex_set_balancer_policies_listener, LB, port=80, policies=["lc-nope"])
    # An empty list sends no PolicyNames parameter at all (not "PolicyNames=");
    # elbd must read that as "remove all".
    assert d.ex_set_balancer_policies_listener(LB, port=80, policies=[]) is True
    assert d.ex_set_balancer_policies_backend_server(TCP_LB, instance_port=2525, policies=[]) is True
    desc = raw(d, "DescribeLoadBalancers", **{"LoadBalancerNames.member.1": LB, "LoadBalancerNames.member.2": TCP_LB}).body
    assert "<BackendServerDescriptions></BackendServerDescriptions>" in desc or "<BackendServerDescriptions/>" in desc, desc
    assert "<member>lc-sticky</member>" not in desc.split("<Policies>")[0], "lc-sticky still on the listener: " + desc
    assert d.ex_delete_balancer_policy(LB, "lc-sticky") is True
    assert d.ex_delete_balancer_policy(TCP_LB, "lc-proxy") is True
    assert d.ex_list_balancer_policies(d.get_balancer(TCP_LB)) == []

    step("ex_create_balancer_listeners (driver bug: never sends)")
    assert d.ex_create_balancer_listeners(LB, [[8080, 8080, "http"]]) is False

    step("balancer_detach_member")
    member = [m for m in d.get_balancer(LB).list_members() if m.id == INST_A][0]
    assert d.balancer_detach_member(lb, member) is True
    assert [m.id for m in d.get_balancer(LB).list_members()] == [INST_B]
    expect_http_error("InvalidInstance", 400, d.balancer_detach_member, lb, Member("i-0123456789abcdef9", None, None))

    step("get_balancer(ex_fetch_tags=True)")
    assert d.get_balancer(LB, ex_fetch_tags=True).extra.get("tags") in (None, {}), "unexpected tags"
    # The driver cannot add tags; AddTags through its connection, then read
    # them back with the driver.
    assert raw(d, "AddTags", **{"LoadBalancerNames.member.1": LB, "Tags.member.1.Key": "project",
                                "Tags.member.1.Value": "lima"}).status == 200
    tagged = d.get_balancer(LB, ex_fetch_tags=True)
    assert tagged.name == LB and tagged.extra["tags"] == {"project": "lima"}, tagged.extra
    assert {b.name: b.extra.get("tags") for b in d.list_balancers(ex_fetch_tags=True)} == {LB: {"project": "lima"}, TCP_LB: None}

    step("errors: unknown balancer, wrong secret, unknown key")
    e = expect_http_error("LoadBalancerNotFound", 400, d.get_balancer, "nope")
    assert "There is no ACTIVE Load Balancer named 'nope'" in str(e), e
    for key_id, secret, code in ((env("INTEROP_ACCESS_KEY_ID"), "not-the-secret", "SignatureDoesNotMatch"),
                                 ("AKIDUNKNOWN000000001", "x", "InvalidClientTokenId")):
        try:
            driver(key_id, secret).list_balancers()
        except InvalidCredsError as e:  # libcloud maps HTTP 403 to InvalidCredsError, with the raw body
            assert "<Code>%s</Code>" % code in str(e), e
            print("   list_balancers with %s -> InvalidCredsError (%s)" % (key_id, code))
        else:
            raise AssertionError("list_balancers with a bad key (%s) succeeded" % key_id)

    step("destroy_balancer")
    assert d.destroy_balancer(lb) is True
    assert d.destroy_balancer(tcp) is True
    assert d.destroy_balancer(lb) is True  # DeleteLoadBalancer is idempotent
    assert d.list_balancers() == []
    expect_http_error("LoadBalancerNotFound", 400, d.get_balancer, LB)
    print("OK: libcloud recipe passed (attribute-less ProxyProtocolPolicyType %s)" % ("accepted" if lenient else "refused, 409"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
