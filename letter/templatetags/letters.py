"""A letter as the reader's language shows it: `{{ letter|reader_title }}`, `reader_summary`,
`reader_addressees` (the translation's when there is one, else the letter's own)."""

from django import template
from django.utils.translation import get_language

from letter.selectors import letter_addressees_for, letter_summary_for, letter_version_for

register = template.Library()


@register.filter
def reader_title(letter) -> str:
    return letter_version_for(letter, get_language()).title


@register.filter
def reader_summary(letter) -> str:
    return letter_summary_for(letter, get_language())


@register.filter
def reader_addressees(letter) -> str:
    return letter_addressees_for(letter, get_language())
