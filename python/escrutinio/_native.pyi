"""Type stubs of the compiled extension (python/src/lib.rs).

Each function takes a command line in the CLI's vocabulary, subcommand
first; the public API in ``escrutinio/__init__.py`` builds it from kwargs.
"""

from typing import Any, Optional

__version__: str

class EscrutinioError(Exception): ...
class InputError(EscrutinioError): ...
class SchemaError(InputError): ...
class InvalidRowsError(InputError): ...
class OutputError(EscrutinioError): ...
class OptionsError(EscrutinioError): ...

class Table:
    """A table exported through the Arrow C stream interface."""

    @property
    def columns(self) -> list[str]: ...
    def __len__(self) -> int: ...
    def __arrow_c_stream__(self, requested_schema: Optional[object] = None) -> object: ...

def analyze(
    argv: list[str],
    frame: Optional[Any] = None,
    write: bool = False,
    threads: Optional[int] = None,
) -> tuple[str, str, str, Table, Optional[Table], Optional[Table]]:
    """(report.json text, text report, verdict text, stations, regions, curves)."""

def load(
    argv: list[str], frame: Optional[Any] = None
) -> tuple[str, str, str, Optional[Table], str]:
    """(input JSON, schema JSON, data-quality JSON, stations, validate text)."""

def simulate(argv: list[str]) -> str:
    """The truth file's path."""

def check(argv: list[str], threads: Optional[int] = None) -> tuple[str, str, bool]:
    """(check.json text, text answer, holds)."""

def schema_version() -> str: ...
