"""Creator edits: every correction a creator makes to AI output, captured from each capsule save (or reported by a
client), diffed leaf by leaf and classified (diff.py), attributed to the agent that wrote the value
(attribution.py), and reduced to the net corrections against the latest validated state (net.py)."""
