"""PLACEHOLDER: being written by a helper; replaced in full."""

from django.http import Http404



def candidate_list_view(request, *args, **kwargs):
    raise Http404


def candidate_detail_view(request, *args, **kwargs):
    raise Http404


def panel_case_open_view(request, *args, **kwargs):
    raise Http404


def panel_referral_view(request, *args, **kwargs):
    raise Http404
