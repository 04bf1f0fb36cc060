from django import template

from integration_server.import_problems import import_problems as _problems

register = template.Library()


@register.simple_tag
def import_problems(result):
    return _problems(result) if result is not None else []
