"""``--lang`` of the CI commands (validate, check, test): one flag, the same choices and help in each."""

from __future__ import annotations

import argparse

LANG_HELP = ("language of the text report: zh or en (default en, as diff and whatif: these commands run in CI, "
             "whose configurations and log parsers read the English lines; zh prints every heading, count, verdict "
             "and finding in Chinese)")


def add_lang_flag(parser: argparse.ArgumentParser) -> None:
    """``--lang zh|en``; JSON and JUnit output are data and stay as they are in either language."""
    parser.add_argument("--lang", choices=["zh", "en"], default="en", help=LANG_HELP)
