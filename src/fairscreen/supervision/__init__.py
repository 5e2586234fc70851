"""The regulator's side: off-site checks, risk tiers, inspection plans and inspection codes."""
