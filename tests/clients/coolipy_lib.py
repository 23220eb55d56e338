"""coolipy against `cutover sim`'s Coolify: each check prints `ok NAME`,
`refused NAME STATUS` (where Coolify refuses too) or `FAIL NAME: why`.

Run by tests/clients.rs with COOLIFY_URL and COOLIFY_TOKEN set."""

import os
import sys
from urllib.parse import urlparse

from checks import Checks

from coolipy import Coolipy
from coolipy.exceptions import CoolipyHTTPError
from coolipy.models.applications import ApplicationPublicModelCreate
from coolipy.models.databases import DatabaseBackupCreate, PostgreSQLModelCreate

u = urlparse(os.environ["COOLIFY_URL"])
c = Coolipy(coolify_api_key=os.environ["COOLIFY_TOKEN"], coolify_endpoint=u.hostname, coolify_port=u.port)
checks = Checks(CoolipyHTTPError, lambda e: e.status_code)


def check(name, f, refused=None):
    """As Checks.check, with the response's data."""
    r = checks.check(name, f, refused)
    return r.data if r is not None else None

check("version", c.version)
projects = check("projects.list", c.projects.list) or []
servers = check("servers.list", c.servers.list) or []
apps = check("applications.list", c.applications.list) or []
by_name = {a.name: a for a in apps}
shop = by_name.get("shop-production")
if shop:
    check("applications.get", lambda: c.applications.get(shop.uuid))
    check("applications.envs", lambda: c.applications.envs(shop.uuid))
    check("applications.logs", lambda: c.applications.logs(shop.uuid, lines=20))
    check("applications.storages", lambda: c.applications.storages(shop.uuid))
    check("applications.scheduled_tasks", lambda: c.applications.scheduled_tasks(shop.uuid))
check("deployments.list", c.deployments.list)
dbs = check("databases.list", c.databases.list) or []
db = next((d for d in dbs if getattr(d, "name", "") == "shop-production-db"), None)
if db:
    check("databases.get", lambda: c.databases.get(db.uuid))
    check("databases.backups", lambda: c.databases.backups(db.uuid))
    check("databases.logs", lambda: c.databases.logs(db.uuid))
s3 = check("s3_storages.list", c.s3_storages.list) or []
svcs = check("services.list", c.services.list) or []
if svcs:
    sv = svcs[0]
    check("services.get", lambda: c.services.get(sv.uuid))
    check("services.envs", lambda: c.services.envs(sv.uuid))
    # coolipy sends no `sub_service_name`, which Coolify requires (422 there too).
    check("services.logs without its part", lambda: c.services.logs(sv.uuid), refused=422)
    check("services.restart", lambda: c.services.restart(sv.uuid))

# Created as Coolify creates them.
talks = next((p for p in projects if p.name == "Talks"), None)
if talks and servers:
    app = ApplicationPublicModelCreate(
        project_uuid=talks.uuid,
        server_uuid=servers[0].uuid,
        environment_name="production",
        git_repository="https://github.com/acme/talks-next",
        git_branch="main",
        build_pack="nixpacks",
        ports_exposes="8000",
        name="talks-next",
    )
    check("applications.create public", lambda: c.applications.create(app))
    pg = PostgreSQLModelCreate(project_uuid=talks.uuid, server_uuid=servers[0].uuid, environment_name="production", name="talks-next-db")
    created = check("databases.create postgresql", lambda: c.databases.create(pg))
    uuid = created.get("uuid") if isinstance(created, dict) else None
    if uuid and s3:
        backup = DatabaseBackupCreate(frequency="0 2 * * *", save_s3=True, s3_storage_uuid=s3[0].uuid, backup_now=False)
        check("databases.create_backup to S3", lambda: c.databases.create_backup(uuid, backup))
        check("databases.create_backup bad cron", lambda: c.databases.create_backup(uuid, DatabaseBackupCreate(frequency="twice a day")), refused=422)
    missing = PostgreSQLModelCreate(project_uuid="nope", server_uuid=servers[0].uuid, environment_name="production")
    check("databases.create in no project", lambda: c.databases.create(missing), refused=404)

sys.exit(checks.done())
