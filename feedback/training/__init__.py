"""Training data: corrected capsules that pass the judge now, as OpenAI chat fine-tuning examples (build.py), the
stored training-set summaries the dashboard reads (store.py), exports kept in file storage (exports.py), and
GET /api/feedback/training-data (api.py)."""
