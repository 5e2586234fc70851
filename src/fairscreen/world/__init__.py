"""The world file: a sandbox of employers, candidates and the external records sources read.

Format: ``docs/world-format.md``; schema: ``fairscreen/world/world.schema.json`` (generated from
``model.py`` and checked against it by the tests).
"""
