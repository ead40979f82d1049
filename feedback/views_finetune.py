"""Placeholder: being written (issue #7 part 5)."""


def finetune_start(request):
    raise NotImplementedError


def finetune_detail(request, job_id):
    raise NotImplementedError


def finetune_use(request, job_id):
    raise NotImplementedError
