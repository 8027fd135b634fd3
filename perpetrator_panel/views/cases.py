"""PLACEHOLDER: being written by a helper; replaced in full."""

from django.http import Http404



def panel_case_list_view(request, *args, **kwargs):
    raise Http404


def panel_case_detail_view(request, *args, **kwargs):
    raise Http404


def panel_case_edit_view(request, *args, **kwargs):
    raise Http404


def plan_item_add_view(request, *args, **kwargs):
    raise Http404


def plan_item_update_view(request, *args, **kwargs):
    raise Http404


def panel_action_add_view(request, *args, **kwargs):
    raise Http404
