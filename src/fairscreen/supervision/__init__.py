"""The regulator's side: off-site rules, risk tiers, inspection plans and inspection codes."""
