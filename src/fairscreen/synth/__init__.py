"""The sandbox that fakes a provider: realistic synthetic world files, deterministic for a seed.

``fairscreen.world`` is the format a real provider delivers; this package writes worlds in that
format for the demo, the tests and the benchmarks, with a *truth* sidecar that says which hard
cases it planted where. Nothing in the screening path imports it: only the command line, the
tests and the benchmarks do. Usage and the truth file: ``docs/world-generator.md``.

A world is a header, the employers and agencies with their positions, then one block of lines per
candidate: the candidate (claims and consent), optional self-identified demographics, and the
external records the sandbox sources read about them, including records about *other* people
that a name search brings back (namesakes, name-only parties, co-defendants).

How it is built (the shape of Synthea's generator):

- every candidate is generated on their own random stream, seeded from (world seed, index), so a
  candidate's story does not depend on how many came before; the world-level choices
  (organisations, positions, which early candidates carry which forced hard case) come from the
  world seed alone (``context``);
- a declared table of rates (``RATES``) says how often each hard case is planted; each candidate
  first gets a *plan* (position category and the set of hard-case tags), then the records are
  written to fit the plan, so the truth sidecar is exactly what was planted (``plan``);
- every hard case is forced onto one of the first 200 candidates (``FORCED``), so any world of at
  least 200 candidates has each of them at least once;
- lines are written as they are made (orjson, one line each): memory does not grow with N
  (``writer``).

One module per record family, each plain functions over the world (``context.Context``) and the
candidate's block of lines (``base.Block``, which carries the candidate's random stream):
``people`` (the candidate, namesakes and strangers, ID numbers, demographics, identity records),
``careers`` (education and employment, claims and registers), ``licences`` (licences and fitness
certificates), ``consent``, ``criminal``, ``courts``, ``namesakes`` (other people in the
registers), ``enforcement`` (the dishonest-debtor list), ``credit``, ``driving``, ``references``
(with their sentences in ``phrases``, the answer key), ``directory`` (organisations and
positions); ``candidate`` calls them in order and ``writer`` writes the files. The material they
combine is in ``names`` and ``orgs``: all people are combinations from lists, all ID numbers are
in division ``99xxxx`` (no province uses it) and unique within a world, all organisations are
fictional.
"""

from fairscreen.synth.context import MAX_CANDIDATES
from fairscreen.synth.criminal import BARS, OLD_CONVICTION_YEARS
from fairscreen.synth.plan import FORCED, RATES, Rates
from fairscreen.synth.writer import (
    DEFAULT_AS_OF,
    TRUTH_FORMAT,
    GenerateStats,
    generate_world,
    write_world,
)

__all__ = [
    "BARS",
    "DEFAULT_AS_OF",
    "FORCED",
    "MAX_CANDIDATES",
    "OLD_CONVICTION_YEARS",
    "RATES",
    "TRUTH_FORMAT",
    "GenerateStats",
    "Rates",
    "generate_world",
    "write_world",
]
