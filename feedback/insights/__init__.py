"""Insights: what creators' net corrections say about the agents. The numbers (analysis.py), the stored snapshots
with their LLM summary that the analysis task writes (store.py), and GET /api/feedback/insights (api.py)."""
