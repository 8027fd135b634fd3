"""PLACEHOLDER: being written by a helper; replaced in full."""

from django.http import Http404



def meeting_list_view(request, *args, **kwargs):
    raise Http404


def meeting_add_view(request, *args, **kwargs):
    raise Http404


def meeting_detail_view(request, *args, **kwargs):
    raise Http404
