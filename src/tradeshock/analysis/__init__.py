"""Analyses on top of simulate(): provinces, exposure, targets, attribution, game.

Each lives in its own module and is imported lazily (``tradeshock.exposure`` etc.).
"""
