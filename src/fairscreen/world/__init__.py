"""The world file: the record format a source delivers, and what every step of the pipeline reads.

A world file is JSON Lines: a header, the employers, agencies and positions, the candidates (with
their claims and consent) and the external records the sources hold about people (identity,
education, social insurance, courts, the dishonest-debtor list, criminal records, licences,
credit, driving, fitness, references). ``model`` defines each line as a Pydantic record (the
classes that share a concept with a table carry a ``Record`` suffix: ``CandidateRecord`` is a
line, ``candidates.models.Candidate`` a row); ``load`` validates a file in one streaming pass into
an indexed store the sandbox sources query; ``cli`` is ``fairscreen world validate``, ``schema``
and ``generate``.

Format: ``docs/world-format.md``; schema: ``fairscreen/world/world.schema.json`` (generated from
``model.py`` and checked against it by the tests). The synthetic worlds of the demo and the tests
are written by ``fairscreen.synth``, which only ``cli`` imports (for ``world generate``).
"""

from fairscreen.world import model
from fairscreen.world.load import WorldError, WorldStore, WorldSummary, load_world
from fairscreen.world.model import json_schema

__all__ = ["WorldError", "WorldStore", "WorldSummary", "json_schema", "load_world", "model"]
