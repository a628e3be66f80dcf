"""The `kestrel` command: serve, migrate, demo, import pupils, sync, audit, keys, package,
playground-config."""

import argparse
import gc
import logging
import sys
from pathlib import Path

import yaml
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import audit_commands
from bot.console import Refusal, on_database, require_current_schema
from bot.keyring import load_audit_keys, load_keyring
from bot.roster_files import read_roster_files
from bot.roster_summary import import_summary
from bot.settings import ConfigurationError, Settings, database_url_from_env
from bot.sync_commands import add_sync_parser
from safeguarding.clock import SystemClock
from safeguarding.errors import InvalidInput
from safeguarding.roster_formats import read_roster
from safeguarding.seed import SchoolSeed, SeedResult, parse_school_seed
from safeguarding.services.roster import Imported, ImportOptions, NoSuchSchool, import_pupils
from safeguarding.services.seeding import seed_school
from storage.database import redacted
from storage.encryption import KeyringError, new_key_spec
from storage.migrate import SchemaStatus, schema_status, upgrade
from storage.rotation import rotate_keys
from storage.uow import unit_of_work_factory

DEMO_FILE = Path(__file__).resolve().parents[1] / "demo" / "school.yaml"
# The demo trust's second school, in the same tenant (seeded after the first).
DEMO_SECOND_FILE = DEMO_FILE.with_name("second-school.yaml")
log = logging.getLogger("kestrel")


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `kestrel` console script."""
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    logging.getLogger("alembic").setLevel(logging.WARNING)
    try:
        return args.run(args) or 0
    except (Refusal, ConfigurationError) as reason:
        print(f"kestrel: {reason}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kestrel", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="command")
    serve = commands.add_parser("serve", help="run the bot service")
    serve.add_argument("--local", action="store_true", help="127.0.0.1 only, authentication OFF")
    serve.set_defaults(run=_serve)
    commands.add_parser("migrate", help="upgrade the database schema").set_defaults(run=_migrate)
    demo = commands.add_parser("demo", help="seed the demo trust's two schools (re-runnable)")
    demo.add_argument("--file", type=Path, help="seed this school data file (YAML) instead")
    demo.add_argument(
        "--another-school",
        action="store_true",
        help="the file is a further school of its tenant (a trust), not its first renamed",
    )
    demo.set_defaults(run=_demo)
    _import_parser(commands)
    add_sync_parser(commands)
    audit = commands.add_parser("audit", help="check the audit log")
    audit.add_argument(
        "check",
        choices=sorted(AUDIT_COMMANDS),
        help="verify: every link, checkpoint and record; checkpoint: sign the chains' heads "
        "into KESTREL_AUDIT_CHECKPOINTS; rekey: key links from before keyed audit (once)",
    )
    audit.set_defaults(run=_audit)
    keys = commands.add_parser("keys", help="encryption keys")
    keys_commands = keys.add_subparsers(required=True, metavar="action")
    generate = keys_commands.add_parser("generate", help="print a new key for the configuration")
    generate.add_argument("--id", default="k1", help="a short name for the key (k2, 2027-01...)")
    generate.set_defaults(run=_keys_generate)
    rotate = keys_commands.add_parser("rotate", help="re-encrypt everything with the current key")
    rotate.set_defaults(run=_keys_rotate)
    package = commands.add_parser("package", help="write the Teams app package (zip)")
    package.add_argument("--app-id", required=True, help="the bot's Entra application id")
    package.add_argument("--domain", required=True, help="host name the bot is served on")
    package.add_argument("--out", type=Path, default=Path("build/kestrel.zip"))
    package.set_defaults(run=_package)
    playground = commands.add_parser(
        "playground-config", help="write an Agents Playground config as another demo user"
    )
    who = playground.add_mutually_exclusive_group(required=True)
    who.add_argument("--as", dest="user", metavar="NAME", help="a demo first name: james, tom...")
    who.add_argument("--list", action="store_true", help="print the demo first names, one a line")
    playground.add_argument("--out", type=Path, help="file to write (default data/playground/)")
    playground.set_defaults(run=_playground_config)
    return parser


def _import_parser(commands: argparse._SubParsersAction) -> None:
    importing = commands.add_parser("import", help="import the school's pupils from its MIS")
    what = importing.add_subparsers(required=True, metavar="what")
    pupils = what.add_parser(
        "pupils", help="a OneRoster or School Data Sync export (folder or zip), or an MIS report"
    )
    pupils.add_argument("path", type=Path, help="the folder, zip or CSV file")
    pupils.add_argument(
        "--school", type=int, help="the school's id (needed when there are several)"
    )
    pupils.add_argument(
        "--full", action="store_true", help="the whole roster: pupils not in it have left"
    )
    pupils.add_argument(
        "--new-year-groups",
        type=_year_groups,
        default=frozenset(),
        metavar="N,N",
        help="year groups the school has not had before (a new sixth form: 12,13)",
    )
    pupils.set_defaults(run=_import_pupils)


def _year_groups(text: str) -> frozenset[int]:
    years = [part.strip() for part in text.split(",") if part.strip()]
    if not all(y.isdecimal() and 0 <= int(y) <= 14 for y in years):
        raise argparse.ArgumentTypeError("year groups are numbers from 0 (Reception) to 14")
    return frozenset(int(y) for y in years)


def _import_pupils(args: argparse.Namespace) -> int:
    options = ImportOptions(args.school, args.full, args.new_year_groups)
    settings = Settings.from_env(local=True)  # only the database and the audit keys are needed
    audit_keys = load_audit_keys(settings)

    async def work(engine: AsyncEngine) -> Imported:
        clock = SystemClock()
        uow_factory = unit_of_work_factory(engine, clock, audit_keys=audit_keys)
        return await import_pupils(
            uow_factory, clock, lambda: read_roster(read_roster_files(args.path)), options
        )

    try:
        imported = on_database(settings.database_url, work)
    except NoSuchSchool as error:
        raise Refusal(str(error)) from error
    succeeded = imported.run.succeeded
    print(
        "\n".join(import_summary(imported, args.path)), file=sys.stdout if succeeded else sys.stderr
    )
    return 0 if succeeded else 1


def _serve(args: argparse.Namespace) -> None:
    from bot.access_log import AccessLog
    from bot.app import create_app  # imports botbuilder: only when serving

    settings = Settings.from_env(local=args.local)
    on_database(settings.database_url, require_current_schema, needs_current_schema=False)
    audit_commands.require_keyed_audit(settings)
    if settings.local:
        log.warning("*" * 72)
        log.warning("LOCAL MODE: authentication is OFF. Listening on 127.0.0.1 only.")
        log.warning("Never use --local for a real school: anyone who can reach it is trusted.")
        log.warning("*" * 72)
    log.info("starting on %s:%s with %r", settings.host, settings.port, settings)
    app = create_app(settings)
    app.on_startup.append(freeze_what_started)
    web.run_app(app, host=settings.host, port=settings.port, print=None, access_log_class=AccessLog)


async def freeze_what_started(_app: object = None) -> None:
    """What the process holds once started (SQLAlchemy's and the SDK's classes, tables,
    compiled statements: about a million objects) is moved out of the garbage collector's
    reach. Python's full collections walk every object it tracks: here 60-80 ms each, about
    every ten seconds under load, during which every request in flight waits (the worst waits
    in `python -m bench` on PostgreSQL, 8-9x the median at c8). Garbage is collected first, so
    nothing that is garbage now is kept for good; what is frozen is never freed, and is what a
    serving process keeps until it ends anyway."""
    gc.collect()
    gc.freeze()


def _migrate(args: argparse.Namespace) -> None:
    url = database_url_from_env()

    async def work(engine: AsyncEngine) -> SchemaStatus:
        await upgrade(engine)
        return await schema_status(engine)

    status = on_database(url, work, needs_current_schema=False)
    print(f"database {redacted(url)} is at migration {status.current} (newest)")
    if notice := audit_commands.unkeyed_notice(url):
        print(notice)


def _demo(args: argparse.Namespace) -> None:
    files = [args.file] if args.file else [DEMO_FILE, DEMO_SECOND_FILE]
    seeds = [_seed_file(path) for path in files]
    settings = Settings.from_env(local=True)  # only the database and the audit keys are needed
    audit_keys = load_audit_keys(settings)

    async def work(engine: AsyncEngine) -> list[SeedResult]:
        clock = SystemClock()
        uow_factory = unit_of_work_factory(engine, clock, audit_keys=audit_keys)
        return [
            # A tenant's first seed may be its first school renamed; the trust's next are not.
            await seed_school(
                seed,
                uow_factory=uow_factory,
                clock=clock,
                oldest=n == 0 and not args.another_school,
            )
            for n, seed in enumerate(seeds)
        ]

    for seed, result in zip(seeds, on_database(settings.database_url, work), strict=True):
        print(
            f"seeded {seed.name} (school {result.school_id}): {result.staff} staff, "
            f"{result.students} students, {result.categories} categories, "
            f"{result.alert_groups} alert groups"
        )


def _seed_file(path: Path) -> SchoolSeed:
    try:
        return parse_school_seed(yaml.safe_load(path.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError) as error:
        raise Refusal(f"cannot read {path}: {error}") from error
    except InvalidInput as error:
        raise Refusal(f"cannot use {path}: {'; '.join(error.errors.values())}") from error


AUDIT_COMMANDS = {
    "verify": audit_commands.verify,
    "checkpoint": audit_commands.checkpoint,
    "rekey": audit_commands.rekey,
}


def _audit(args: argparse.Namespace) -> int:
    # Outside `serve`, the keys and files are read from the environment as configured; with
    # none, the local ones under KESTREL_DATA_DIR.
    return AUDIT_COMMANDS[args.check](Settings.from_env(local=True))


def _keys_generate(args: argparse.Namespace) -> None:
    try:
        print(new_key_spec(args.id))
    except KeyringError as error:
        raise Refusal(str(error)) from error


def _keys_rotate(args: argparse.Namespace) -> None:
    settings = Settings.from_env(local=True)  # only the database and the keys are needed
    if not settings.encryption_keys:
        raise Refusal(
            "set KESTREL_ENCRYPTION_KEYS to `new:key,old:key` (new first) before rotating"
        )
    keyring = load_keyring(settings)

    async def work(engine: AsyncEngine) -> dict[str, int]:
        files = settings.attachments_dir
        return await rotate_keys(unit_of_work_factory(engine, SystemClock(), keyring, files))

    changed = on_database(settings.database_url, work)
    summary = ", ".join(f"{store}: {count}" for store, count in changed.items())
    print(f"re-encrypted with key {keyring.current!r}: {summary}")


def _package(args: argparse.Namespace) -> None:
    from bot.teams_package import build_package

    try:
        out = build_package(args.app_id, args.domain, args.out)
    except ValueError as error:
        raise Refusal(str(error)) from error
    print(f"wrote {out}")


def _playground_config(args: argparse.Namespace) -> None:
    from bot import playground_config

    if args.list:
        print("\n".join(playground_config.first_names(playground_config.load_config())))
        return
    out = args.out or Path("data") / "playground" / f"{args.user.strip().lower()}.yml"
    try:
        print(playground_config.write_config_as(args.user, out))
    except (playground_config.UnknownUser, OSError) as error:
        raise Refusal(str(error)) from error
