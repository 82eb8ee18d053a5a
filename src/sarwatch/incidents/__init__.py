"""The incident register of monitors (core: no I/O).

Incidents at sea (shipwrecks, interceptions and returns, arrivals, non-assistance,
push-backs, sightings) with graded sources, kept apart from live cases and linked to
them. See docs/design for the register's rules.
"""
