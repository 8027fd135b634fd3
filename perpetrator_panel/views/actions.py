"""PLACEHOLDER: being written by a helper; replaced in full."""

from django.http import Http404



def agency_actions_view(request, *args, **kwargs):
    raise Http404


def action_update_view(request, *args, **kwargs):
    raise Http404
