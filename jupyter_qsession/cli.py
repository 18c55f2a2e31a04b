"""``jupyter qsession …``: command-line entry points of jupyter-qsession."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys

from traitlets import Enum, Int, TraitError


def _emulator_options(parser: argparse.ArgumentParser) -> None:
    """One ``--option`` per emulator setting, with the trait's default, choices and help."""
    from .emulator.settings import QSessionEmulator

    for name, trait in QSessionEmulator.class_traits(config=True).items():
        flag = "--" + name.replace("_", "-")
        default = trait.default_value
        if isinstance(trait, Enum):
            parser.add_argument(flag, choices=trait.values, default=default, help=trait.help)
        else:
            kind = int if isinstance(trait, Int) else float
            parser.add_argument(
                flag, type=kind, default=default, help=f"{trait.help} (default {default})"
            )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="jupyter qsession", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    emu = commands.add_parser(
        "emulator",
        help="run the local Qiskit Runtime emulator on 127.0.0.1",
        description="Run a local Qiskit Runtime service with IBM's session rules and Aer.",
    )
    emu.add_argument("--port", type=int, default=0, help="port to listen on (0: a free one)")
    emu.add_argument("--token", default=None, help="API key clients must present (default: random)")
    _emulator_options(emu)
    return parser


def run_emulator(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    from .emulator.settings import QSessionEmulator

    names = QSessionEmulator.class_trait_names(config=True)
    try:
        settings = QSessionEmulator(**{name: getattr(args, name) for name in names})
    except TraitError as exc:
        parser.error(str(exc))
    emulator = settings.build(api_key=args.token)

    async def main() -> None:
        # Signal handlers first: whoever reads the URL line may stop us right away.
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        url = emulator.start(args.port)
        print(url, flush=True)
        print(f"API key: {emulator.api_key}", flush=True)
        print(
            "Connect: from jupyter_qsession.emulator import runtime_service; "
            f"service = runtime_service({url!r}, {emulator.api_key!r})",
            flush=True,
        )
        await stop.wait()
        emulator.stop()

    asyncio.run(main())


def main(argv: list[str] | None = None) -> None:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "emulator":
        run_emulator(parser, args)


if __name__ == "__main__":
    main(sys.argv[1:])
