"""Bright kitchens (明厨亮灶): AI-camera events from restaurant kitchens, reviewed by a person,
weighed against each camera's false-alarm rate, escalated to supervision by a rule pack
(docs/monitors.md, "Bright kitchens")."""
