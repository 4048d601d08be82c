"""The `antifraud` command line (verbs per DESIGN.md). Results go to stdout, messages to stderr."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import logging
import sys
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from antifraud import __version__
from antifraud.domain.errors import AntifraudError, ConfigError
from antifraud.domain.guess import guess_kind
from antifraud.domain.model import Action, Category, IndicatorType
from antifraud.settings import Settings, load_settings

log = logging.getLogger("antifraud")


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="antifraud", description="The national anti-fraud center.")
    p.add_argument("--version", action="version", version=f"antifraud {__version__}")
    p.add_argument("--config", type=Path, help="settings file (default config/antifraud.toml)")
    p.add_argument("-v", "--verbose", action="store_true", help="log debug messages")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    s = sub.add_parser("serve", help="run the whole center: API, workers, publisher")
    s.add_argument("--config", type=Path, dest="serve_config", help="settings file")

    keys = sub.add_parser("keys", help="manage API keys").add_subparsers(dest="keys_command", required=True)
    kc = keys.add_parser("create", help="create a key; prints it once on stdout")
    kc.add_argument("name", help="the operator the key belongs to (bank, telecom, police, hotline, ...)")
    kc.add_argument("--scopes", required=True, help="comma-separated: report,check,pull,analyst,admin,metrics")
    keys.add_parser("list", help="list keys (never their secrets)")
    kr = keys.add_parser("revoke", help="revoke a key by its id")
    kr.add_argument("key_id")

    ve = sub.add_parser("verify", help="check a downloaded list against its detached signature (NAME.sig)")
    ve.add_argument("file", type=Path)
    ve.add_argument("--signature", type=Path, help="the signature file (default: FILE.sig)")
    ve.add_argument("--public-key", type=Path, action="append", default=[], help="a trusted public key (PEM); repeat")
    sk = sub.add_parser("signing-key", help="the center's list-signing keys").add_subparsers(
        dest="signing_command", required=True
    )
    skc = sk.add_parser("create", help="write a new Ed25519 key pair; prints its key id")
    skc.add_argument("--out", type=Path, required=True, help="directory for the private and public PEM files")

    sc = sub.add_parser("score", help="offline assessment, one JSON object per input line")
    sc.add_argument("file", nargs="?", default="-", help="input file, or - for stdin")
    sc.add_argument("--brands", type=Path, help="brands file to score against (default: the configured one)")
    sc.add_argument(
        "--type", choices=["domain", "phone", "wallet"], default=None, help="default: guessed from each line"
    )

    im = sub.add_parser("import", help="bulk import reports from a file, one value per line")
    im.add_argument("file", help="input file, or - for stdin")
    im.add_argument("--type", required=True, choices=[t.value for t in IndicatorType])
    im.add_argument("--category", required=True, choices=[c.value for c in Category])
    im.add_argument("--source", required=True, help="where the list comes from; recorded as the reporting operator")
    im.add_argument("--no-progress", action="store_true", help="no progress bar")
    im.add_argument("--block", action="store_true", help="list every valid line as one audited analyst decision")
    im.add_argument("--reason", help="why the lines are blocked (required with --block)")
    im.add_argument("--analyst", default=None, help="who decides with --block (default: the login name)")

    ch = sub.add_parser("check", help="is a domain, URL, number or wallet listed? exit 3 when listed")
    ch.add_argument("value")
    ch.add_argument("--type", choices=[t.value for t in IndicatorType], help="default: guessed from the value")

    pu = sub.add_parser("publish", help="publish a new version of every list now")
    pu.add_argument("--out", type=Path, help="directory to write the lists to (default: the configured one)")
    pu.add_argument("--force", action="store_true", help="publish even if the mass-change guard would hold it")

    de = sub.add_parser("decide", help="an analyst's decision about an indicator")
    de.add_argument("value")
    group = de.add_mutually_exclusive_group(required=True)
    group.add_argument("--block", dest="action", action="store_const", const=Action.BLOCK)
    group.add_argument("--allow", dest="action", action="store_const", const=Action.ALLOW)
    group.add_argument("--unlist", dest="action", action="store_const", const=Action.UNLIST)
    de.add_argument("--reason", required=True)
    de.add_argument("--type", choices=[t.value for t in IndicatorType])
    de.add_argument("--category", choices=[c.value for c in Category])
    de.add_argument("--analyst", default=None, help="who decides (default: the login name)")

    _telecom_parsers(sub)

    al = sub.add_parser("allow", help="manage the allowlist").add_subparsers(dest="allow_command", required=True)
    for verb in ("add", "remove"):
        a = al.add_parser(verb, help=f"{verb} an allowlist entry")
        a.add_argument("value")
        a.add_argument("--reason", required=True)
        a.add_argument("--type", choices=[t.value for t in IndicatorType])
        a.add_argument("--analyst", default=None)

    from antifraud.commands.users import add_parser as add_users_parser  # noqa: PLC0415 - the console's accounts

    add_users_parser(sub)
    return p


def _telecom_parsers(sub: Any) -> None:
    """`gateway-agent` and `cdr analyze` (docs/telecom.md)."""
    ga = sub.add_parser("gateway-agent", help="keep a Kamailio's tables at the center's lists; report its refusals")
    ga.add_argument("--center", required=True, help="the center's URL, e.g. https://afc.example.kz")
    ga.add_argument("--tables", type=Path, required=True, help="the directory Kamailio's db_text reads (TABLES_URL)")
    ga.add_argument("--rpc", default="http://127.0.0.1:5090/RPC", help="Kamailio's JSON-RPC URL (RPC_PORT, /RPC)")
    ga.add_argument("--key-env", default="ANTIFRAUD_KEY", help="environment variable holding the pull key")
    ga.add_argument(
        "--lists",
        default="phones.kamailio,phones.ranges.kamailio,phones.official.kamailio",
        help="the tables to keep (comma-separated list names)",
    )
    ga.add_argument("--interval", type=float, default=10.0, help="seconds between syncs (default 10)")
    ga.add_argument("--hits-interval", type=float, default=60.0, help="seconds between hit reports (default 60)")
    ga.add_argument("--once", action="store_true", help="one sync and one hit report, then exit (1 if either failed)")

    cd = sub.add_parser("cdr", help="call records").add_subparsers(dest="cdr_command", required=True)
    ca = cd.add_parser("analyze", help="find fraud in call records (CSV); one JSON finding per line")
    ca.add_argument("file", help="CSV with a header (start,caller,callee,duration_s,answered,trunk), or - for stdin")
    ca.add_argument("--profile", default="default", help="the thresholds to use (default: default)")
    ca.add_argument("--profiles", type=Path, help="profiles file (default config/cdr_profiles.toml)")
    ca.add_argument("--brands", type=Path, help="brands file, for official numbers (default: the configured one)")
    ca.add_argument("--submit", action="store_true", help="also send every finding to the center as a report")
    ca.add_argument("--center", help="the center's URL for --submit (default: $ANTIFRAUD_CENTER)")
    ca.add_argument("--key-env", default="ANTIFRAUD_KEY", help="environment variable holding the report key")


def _gateway_agent(args: argparse.Namespace) -> int:
    from workers.gateway.main import AgentOptions, run_agent  # noqa: PLC0415 - only this verb needs it
    from workers.gateway.model import GatewayAgentError  # noqa: PLC0415

    options = AgentOptions(
        args.center, args.tables, args.rpc, args.key_env, args.lists, args.interval, args.hits_interval, args.once
    )
    try:
        return asyncio.run(run_agent(options))
    except GatewayAgentError as exc:
        sys.stderr.write(f"antifraud gateway-agent: {exc}\n")
        return 2


def _cdr(args: argparse.Namespace, settings: Settings) -> int:
    import io  # noqa: PLC0415 - the verb's own imports
    import os  # noqa: PLC0415

    from antifraud.adapters.cdr_config import load_official_numbers, load_profile  # noqa: PLC0415
    from antifraud.calls import CallAnalyzer  # noqa: PLC0415
    from antifraud.commands.cdr import analyze_stream  # noqa: PLC0415

    profile = load_profile(args.profiles, args.profile)
    analyzer = CallAnalyzer(profile, load_official_numbers(args.brands or settings.brands_file))
    center = args.center or os.environ.get("ANTIFRAUD_CENTER", "")
    key = os.environ.get(args.key_env, "").strip()
    if args.submit and (not center or not key):
        raise ConfigError(f"--submit needs --center (or ANTIFRAUD_CENTER) and the report key in ${args.key_env}")
    if args.file == "-":
        stream = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace", newline="")
    else:
        try:
            stream = Path(args.file).open(encoding="utf-8", errors="replace", newline="", buffering=1 << 20)  # noqa: SIM115
        except OSError as exc:
            sys.stderr.write(f"antifraud: cannot read {args.file}: {exc.strerror}\n")
            return 2

    async def run() -> int:
        if not args.submit:
            return await analyze_stream(stream, analyzer, sys.stdout, sys.stderr)
        from antifraud.adapters.intake_client import IntakeClient  # noqa: PLC0415 - aiohttp only when submitting

        async with IntakeClient(center, key) as intake:
            code = await analyze_stream(stream, analyzer, sys.stdout, sys.stderr, intake)
            for item in intake.rejected[:20]:
                sys.stderr.write(f"the center refused a report: {item.get('error')}\n")
            return code

    with stream:
        return asyncio.run(run())


def guess_type(value: str) -> IndicatorType:
    return IndicatorType(guess_kind(value, {t.value for t in IndicatorType}))


def _lines(path: str) -> Iterator[str]:
    if path == "-":
        yield from sys.stdin
        return
    with Path(path).open(encoding="utf-8", errors="replace") as fh:
        yield from fh


def _print_json(obj: Any, out: TextIO = sys.stdout) -> None:
    out.write(json.dumps(obj, ensure_ascii=False) + "\n")


async def _keys(args: argparse.Namespace, settings: Settings) -> int:
    from antifraud.app import open_store  # noqa: PLC0415 - keeps `antifraud score` free of storage imports
    from antifraud.services.keys import create_key, parse_scopes  # noqa: PLC0415

    store = await open_store(settings, writer_id=f"cli-{uuid.uuid4().hex[:8]}")
    try:
        if args.keys_command == "create":
            new = await create_key(store, args.name, parse_scopes(args.scopes))
            print(new.key)
            sys.stderr.write(
                f"created key {new.record.key_id} for {new.record.operator.name} with scopes "
                f"{','.join(sorted(new.record.scopes))}; it is shown only once\n"
            )
        elif args.keys_command == "list":
            for k in await store.list_keys():
                state = "revoked" if k.revoked else "active"
                print(f"{k.key_id}\t{k.operator.name}\t{','.join(sorted(k.scopes))}\t{state}")
        elif not await store.revoke_key(args.key_id):
            sys.stderr.write(f"no active key with id {args.key_id}\n")
            return 1
        else:
            sys.stderr.write(f"revoked key {args.key_id}; running centers refuse it within a second\n")
    finally:
        await store.close()
    return 0


def _score(args: argparse.Namespace, settings: Settings) -> int:
    from antifraud.adapters.detection_config import load_detector  # noqa: PLC0415
    from antifraud.adapters.suffixes import BundledSuffixList  # noqa: PLC0415
    from antifraud.commands.score import run_score  # noqa: PLC0415

    suffixes = BundledSuffixList()
    detector = load_detector(
        args.brands or settings.brands_file,
        settings.lexicon_file,
        suffixes,
        block=settings.scoring.block,
        review=settings.scoring.review,
    )
    code: int = run_score(_lines(args.file), sys.stdout, detector, suffixes, args.type)
    return code


async def _with_center(settings: Settings, args: argparse.Namespace) -> int:
    from antifraud.app import open_center  # noqa: PLC0415

    # check, decide and publish read the state; an import only writes, with flat memory
    async with open_center(settings, answers_checks=args.command != "import") as center:
        analyst = f"analyst:{getattr(args, 'analyst', None) or getpass.getuser()}"
        if args.command == "check":
            kind = IndicatorType(args.type) if args.type else guess_type(args.value)
            answer = await center.checks.check(kind, args.value)
            _print_json(answer.to_json(center.checks.list_version))
            return 3 if answer.listed else 0  # scripts: `antifraud check x || block x`
        if args.command == "decide":
            kind = IndicatorType(args.type) if args.type else guess_type(args.value)
            category = Category(args.category) if args.category else None
            record = await center.decisions.decide(analyst, kind, args.value, args.action, args.reason, category)
            sys.stderr.write(f"{record.key.value}: {record.state.value}\n")
            return 0
        if args.command == "allow":
            kind = IndicatorType(args.type) if args.type else guess_type(args.value)
            if args.allow_command == "add":
                record = await center.decisions.allow(analyst, kind, args.value, args.reason)
                sys.stderr.write(f"{record.key.value} is allowlisted\n")
            else:
                await center.decisions.allow_remove(analyst, kind, args.value, args.reason)
                sys.stderr.write(f"{args.value} removed from the allowlist\n")
            return 0
        if args.command == "publish":
            return await _publish(center, settings, args)
        if args.command == "import":
            from antifraud.commands.importing import run_import  # noqa: PLC0415

            return await run_import(center, args, analyst)
    return 2


async def _publish(center: Any, settings: Settings, args: argparse.Namespace) -> int:
    """Record a new version if anything changed (when no running center holds the publisher lease), then
    write the newest version into the blocklist directory (or --out)."""
    from dataclasses import replace  # noqa: PLC0415

    from antifraud.app import build_renderer, wire_publication  # noqa: PLC0415

    target = replace(settings, blocklist_dir=args.out) if args.out else settings
    renderer = build_renderer(target, center.detector, in_process=True)
    publishing = wire_publication(center, renderer)
    try:
        outcome = await publishing.planner.plan(force=args.force, actor="cli")
        if outcome.status == "not_leader":
            sys.stderr.write("a running center holds the publisher lease: it publishes the changes itself\n")
        elif outcome.status == "held":
            sys.stderr.write(f"held: {outcome.reason}\nrelease it with `antifraud publish --force`\n")
        await publishing.materializer.start()
        version = await publishing.materializer.catch_up()
        sys.stderr.write(f"{outcome.status}: version {version} written to {target.blocklist_dir}\n")
        return 3 if outcome.status == "held" else 0
    finally:
        await publishing.planner.step_down()
        await renderer.close()


def _signing(args: argparse.Namespace) -> int:
    from blocklists import signing  # noqa: PLC0415 - only these verbs need cryptography

    if args.command == "verify":
        try:
            kid = signing.verify_file(args.file, args.signature, args.public_key)
        except (signing.SigningError, signing.BadSignature) as exc:
            sys.stderr.write(f"antifraud verify: {args.file}: NOT VERIFIED: {exc.message}\n")
            return 1
        sys.stderr.write(f"{args.file}: good signature by key {kid}\n")
        return 0
    private, public, kid = signing.create_key_pair(args.out)
    print(kid)
    sys.stderr.write(f"private key {private} (keep it secret, mode 0600); public key {public}\n")
    return 0


def _serve(settings: Settings) -> int:
    from antifraud.app import serve  # noqa: PLC0415

    asyncio.run(serve(settings))
    return 0


def _users(args: argparse.Namespace, settings: Settings) -> int:
    from antifraud.commands.users import run_users  # noqa: PLC0415 - the console's accounts

    return asyncio.run(run_users(args, settings))


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    """The verb's handler; verbs that work on the center's state share `_with_center`."""
    handlers: dict[str, Callable[[], int]] = {
        "serve": lambda: _serve(settings),
        "keys": lambda: asyncio.run(_keys(args, settings)),
        "score": lambda: _score(args, settings),
        "verify": lambda: _signing(args),
        "signing-key": lambda: _signing(args),
        "gateway-agent": lambda: _gateway_agent(args),
        "cdr": lambda: _cdr(args, settings),
        "users": lambda: _users(args, settings),
    }
    handler = handlers.get(args.command)
    return handler() if handler is not None else asyncio.run(_with_center(settings, args))


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    config = getattr(args, "serve_config", None) or args.config
    try:
        settings = load_settings(config)
        logging.getLogger().setLevel(logging.DEBUG if args.verbose else settings.log_level)
        return _dispatch(args, settings)
    except ConfigError as exc:
        sys.stderr.write(f"antifraud: configuration error: {exc.message}\n")
        return 2
    except AntifraudError as exc:
        where = f" ({exc.field})" if exc.field and exc.field not in {"value", "body"} else ""
        sys.stderr.write(f"antifraud: {exc.message}{where}\n")
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
