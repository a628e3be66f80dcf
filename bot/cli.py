"""The `kestrel` command: serve, migrate, demo, audit verify, keys, package, playground-config."""

import argparse
import asyncio
import logging
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TypeVar

import yaml
from aiohttp import web
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.keyring import load_keyring
from bot.settings import ConfigurationError, Settings, database_url_from_env
from safeguarding.clock import SystemClock
from safeguarding.errors import InvalidInput
from safeguarding.seed import SeedResult, parse_school_seed
from safeguarding.services.seeding import seed_school
from storage.audit import ChainReport, verify_audit_chains
from storage.database import MAINTENANCE, create_engine, redacted
from storage.encryption import KeyringError, new_key_spec
from storage.migrate import SchemaStatus, schema_status, upgrade
from storage.rotation import rotate_keys
from storage.uow import unit_of_work_factory

T = TypeVar("T")
DEMO_FILE = Path(__file__).resolve().parents[1] / "demo" / "school.yaml"
log = logging.getLogger("kestrel")


class Refusal(Exception):
    """A reason not to go on, printed as one line."""


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
    demo = commands.add_parser("demo", help="seed the demo school (re-runnable)")
    demo.add_argument("--file", type=Path, default=DEMO_FILE, help="school data file (YAML)")
    demo.set_defaults(run=_demo)
    audit = commands.add_parser("audit", help="check the audit log")
    audit.add_argument("check", choices=["verify"], help="verify: recompute every hash chain")
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


def _serve(args: argparse.Namespace) -> None:
    from bot.app import create_app  # imports botbuilder: only when serving

    settings = Settings.from_env(local=args.local)
    _on_database(settings.database_url, _require_current_schema, needs_current_schema=False)
    if settings.local:
        log.warning("*" * 72)
        log.warning("LOCAL MODE: authentication is OFF. Listening on 127.0.0.1 only.")
        log.warning("Never use --local for a real school: anyone who can reach it is trusted.")
        log.warning("*" * 72)
    log.info("starting on %s:%s with %r", settings.host, settings.port, settings)
    web.run_app(create_app(settings), host=settings.host, port=settings.port, print=None)


def _migrate(args: argparse.Namespace) -> None:
    url = database_url_from_env()

    async def work(engine: AsyncEngine) -> SchemaStatus:
        await upgrade(engine)
        return await schema_status(engine)

    status = _on_database(url, work, needs_current_schema=False)
    print(f"database {redacted(url)} is at migration {status.current} (newest)")


def _demo(args: argparse.Namespace) -> None:
    try:
        seed = parse_school_seed(yaml.safe_load(args.file.read_text(encoding="utf-8")))
    except (OSError, yaml.YAMLError) as error:
        raise Refusal(f"cannot read {args.file}: {error}") from error
    except InvalidInput as error:
        raise Refusal(f"cannot use {args.file}: {'; '.join(error.errors.values())}") from error

    async def work(engine: AsyncEngine) -> SeedResult:
        clock = SystemClock()
        return await seed_school(seed, uow_factory=unit_of_work_factory(engine, clock), clock=clock)

    result = _on_database(database_url_from_env(), work)
    print(
        f"seeded {seed.name}: {result.staff} staff, {result.students} students, "
        f"{result.categories} categories, {result.alert_groups} alert groups"
    )


def _audit(args: argparse.Namespace) -> int:
    async def work(engine: AsyncEngine) -> ChainReport:
        async with AsyncSession(engine) as session:
            return await verify_audit_chains(session)

    report = _on_database(database_url_from_env(), work)
    if report.intact:
        print(f"audit log intact: {report.events} events in {report.chains} chains")
        return 0
    print(f"audit log BROKEN: {report.broken}", file=sys.stderr)
    return 1


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

    changed = _on_database(settings.database_url, work)
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


def _on_database(
    url: str, work: Callable[[AsyncEngine], Awaitable[T]], *, needs_current_schema: bool = True
) -> T:
    """Run `work` on the database; any failure to reach or use it is one line, not a traceback."""

    async def run() -> T:
        engine = create_engine(url, MAINTENANCE)  # a migration may run long: no statement limit
        try:
            if needs_current_schema:
                await _require_current_schema(engine)
            return await work(engine)
        finally:
            await engine.dispose()

    try:
        return asyncio.run(run())
    except (OSError, SQLAlchemyError) as error:
        raise Refusal(
            f"cannot use the database {redacted(url)} ({type(error).__name__})"
        ) from error
    except ValueError as error:  # an unsupported URL
        raise Refusal(f"DATABASE_URL: {error}") from error


async def _require_current_schema(engine: AsyncEngine) -> None:
    status = await schema_status(engine)
    if not status.up_to_date:
        raise Refusal(
            f"the database schema is out of date (at {status.current or 'nothing'}, "
            f"Kestrel needs {status.head}): run `kestrel migrate` first"
        )
