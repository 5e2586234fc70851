"""The rating: a declared, versioned rule set turns verified, in-scope findings into a light
with reasons citing their legal basis (``engine``); the sealed reports (``models.Report``) and
the anonymous tallies the regulator reads (``tallies``)."""
