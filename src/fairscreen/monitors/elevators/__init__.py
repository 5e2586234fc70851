"""The smart-elevator monitor (docs/monitors.md, "Smart elevators")."""
