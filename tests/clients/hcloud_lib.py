"""The hcloud Python library against `cutover sim`: each check prints `ok NAME`,
`refused NAME CODE` (where Hetzner refuses too) or `FAIL NAME: why`.

Run by tests/clients.rs with HCLOUD_ENDPOINT and HCLOUD_TOKEN set."""

import os
import sys

from checks import Checks

from hcloud import APIException, Client
from hcloud.images import Image
from hcloud.locations import Location
from hcloud.networks import Network, NetworkSubnet
from hcloud.server_types import ServerType
from hcloud.ssh_keys import SSHKey

c = Client(token=os.environ["HCLOUD_TOKEN"], api_endpoint=os.environ["HCLOUD_ENDPOINT"], poll_interval=0.05)
checks = Checks(APIException, lambda e: e.code)
check, expect = checks.check, checks.expect

servers = check("servers.get_all", lambda: c.servers.get_all())
expect("servers count", servers is not None and len(servers) == 8, f"{servers and len(servers)} servers")
check("servers.get_by_name", lambda: c.servers.get_by_name("web-prod-1").public_net.ipv4.ip)
check("server_types.get_all", lambda: [t.prices for t in c.server_types.get_all()])
check("locations.get_all", lambda: [l.network_zone for l in c.locations.get_all()])
check("images.get_all system", lambda: c.images.get_all(type="system"))

# SSH keys
check("ssh_keys.get_all", lambda: c.ssh_keys.get_all())
pub = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq9sZ0yDqJ8oX3b0m5pQ9Vd3Zb8k1w5cF2n7yE4tR6u lib@test"
check("ssh_keys.create", lambda: c.ssh_keys.create(name="lib-key", public_key=pub))
check("ssh_keys.create again", lambda: c.ssh_keys.create(name="lib-key", public_key=pub), refused="uniqueness_error")

# Networks
private = check("networks.get_by_name", lambda: c.networks.get_by_name("private"))
check("networks.get_all", lambda: c.networks.get_all())
sub = NetworkSubnet(type="cloud", ip_range="10.9.1.0/24", network_zone="eu-central")
backend = check("networks.create", lambda: c.networks.create(name="lib-net", ip_range="10.9.0.0/16", subnets=[sub]))
check(
    "networks.create public range",
    lambda: c.networks.create(name="lib-pub", ip_range="100.64.0.0/16", subnets=[NetworkSubnet(type="cloud", ip_range="100.64.1.0/24", network_zone="eu-central")]),
    refused="invalid_input",
)

# A server, on a network from the start, followed until it runs.
def create():
    r = c.servers.create(
        name="lib-1",
        server_type=ServerType(name="cpx22"),
        image=Image(name="ubuntu-24.04"),
        location=Location(name="fsn1"),
        ssh_keys=[SSHKey(name="ops-laptop")],
        networks=[Network(id=private.id)] if private else None,
    )
    r.action.wait_until_finished(max_retries=400)
    for a in r.next_actions:
        a.wait_until_finished(max_retries=400)
    s = c.servers.get_by_id(r.server.id)
    assert s.status == "running", s.status
    assert s.private_net and s.private_net[0].ip.startswith("10.0.1."), s.private_net
    return s


lib1 = check("servers.create on a network", create)
check("servers.create deprecated type", lambda: c.servers.create(name="lib-2", server_type=ServerType(name="cpx11"), image=Image(name="ubuntu-24.04")), refused="resource_unavailable")
web2 = c.servers.get_by_name("web-prod-2")
if private:
    check("servers.attach_to_network", lambda: c.servers.attach_to_network(web2, private).wait_until_finished(max_retries=400))
    check("servers.attach_to_network again", lambda: c.servers.attach_to_network(web2, private), refused="server_already_attached")
    check("servers.detach_from_network", lambda: c.servers.detach_from_network(web2, private).wait_until_finished(max_retries=400))

# Primary IPs: refused while the server runs, moved once it is off.
ips = check("primary_ips.get_all", lambda: c.primary_ips.get_all())
expect("primary_ips count", ips is not None and len(ips) == 19, f"{ips and len(ips)} primary IPs")
kept = check("primary_ips.get_by_name", lambda: c.primary_ips.get_by_name("shop-ip"))
scratch = c.servers.get_by_name("scratch")
own = [p for p in (ips or []) if p.assignee_id == scratch.id and p.type == "ipv4"]
if kept and own:
    check("primary_ips.assign to a server with an IPv4", lambda: c.primary_ips.assign(kept, scratch.id), refused="server_has_ipv4")
    check("primary_ips.unassign", lambda: c.primary_ips.unassign(own[0]).wait_until_finished(max_retries=400))
    web1 = c.servers.get_by_name("web-prod-1")
    check("primary_ips.assign to a running server", lambda: c.primary_ips.assign(own[0], web1.id), refused="server_not_stopped")

# Volumes
old = check("volumes.get_by_name", lambda: c.volumes.get_by_name("old-uploads"))
expect("volumes name filter", old is not None and old.name == "old-uploads", f"got {old and old.name}")
if old:
    check("volumes.attach", lambda: c.volumes.attach(old, web2, automount=False).wait_until_finished(max_retries=400))
    check("volumes.resize smaller", lambda: c.volumes.resize(old, 10), refused="invalid_input")
    check("volumes.detach", lambda: c.volumes.detach(old).wait_until_finished(max_retries=400))

# Firewalls
check("firewalls.get_all label_selector", lambda: c.firewalls.get_all(label_selector="role=web"))
fw = check("firewalls.create", lambda: c.firewalls.create(name="lib-fw").firewall)
if fw:
    check("firewalls.delete", lambda: c.firewalls.delete(fw))

# Changing a type wants the server off.
check("servers.change_type running", lambda: c.servers.change_type(web2, ServerType(name="cpx42"), upgrade_disk=True), refused="server_not_stopped")

sys.exit(checks.done())
