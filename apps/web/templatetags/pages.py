"""`{% page_assets %}`: a page's stylesheets, module preloads and entry module in one line of its
template, instead of a copied run of <link> tags per page."""
from __future__ import annotations

from django import template
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag
def page_assets(*, styles: str = "", preload: str = "", entry: str = "") -> str:
    """Space-separated static paths: `styles` (CSS), `preload` (ES modules the entry imports,
    fetched in parallel), `entry` (the page's module)."""
    tags = [format_html('<link rel="stylesheet" href="{}">', static(path)) for path in styles.split()]
    tags += [format_html('<link rel="modulepreload" href="{}">', static(path)) for path in preload.split()]
    if entry:
        tags.append(format_html('<script type="module" src="{}"></script>', static(entry)))
    return mark_safe("\n".join(tags))  # every part went through format_html
