"""The rules about one record, for templates: the same helpers the views
and services call, so a page never offers what its view would refuse."""

from django import template

from advisers import permissions

register = template.Library()


@register.filter
def changeable_by(action, user) -> bool:
    """``{% if action|changeable_by:user %}``: may ``user`` mark it done or change it?"""
    return permissions.may_change_action(user, action)


@register.filter
def removable_by(record, user) -> bool:
    """``{% if record|removable_by:user %}``: may ``user`` take it back?"""
    return permissions.may_remove_time_record(user, record)


@register.filter
def correctable_by(interaction, user) -> bool:
    """``{% if interaction|correctable_by:user %}``: may ``user`` correct it?"""
    return permissions.may_correct_interaction(user, interaction)


@register.filter
def must_keep_two_factor(user) -> bool:
    """``{% if user|must_keep_two_factor %}``: may they not switch it off?"""
    return permissions.two_factor_required(user)
