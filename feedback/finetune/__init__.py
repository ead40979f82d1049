"""Fine-tuning the Coder on the training set: start a job at the provider, poll it, choose its model for the Coder.
Writes and access checks (services.py), reads for pages and generation's model override (selectors.py), the
provider's SDK calls (client.py), the polling schedule's task (tasks.py) and the staff pages (views.py)."""
