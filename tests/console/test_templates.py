"""Every text the console's templates show comes from both catalogs (the keys the templates
name, and every key a template builds from a value: a role, a sort, a status, an action)."""

from __future__ import annotations

import re

from console.render import TEMPLATES, environment
from handlers.i18n import LANGUAGES, catalog
from storage.console import SORTS, TARGETS
from storage.models import Channel, ComplaintStatus
from storage.workflow import Action

KEY = re.compile(r"""\bt\('([a-z_.]+)'\s*([+)])""")
BUILT = {
    "console.role.": TARGETS,
    "console.sort.": SORTS,
    "status.": list(ComplaintStatus),
    "channel.": list(Channel),
    # The timeline shows the others' names as stored.
    "console.action.": [*Action, "filed", "reminded"],
}


def _keys() -> set[str]:
    keys: set[str] = set()
    for path in TEMPLATES.glob("*.html"):
        for key, after in KEY.findall(path.read_text()):
            if after == "+":
                assert key in BUILT, f"{path.name}: {key}… is built from a value not listed"
                keys.update(f"{key}{value}" for value in BUILT[key])
            else:
                keys.add(key)
    return keys


def test_every_key_the_templates_use_is_in_both_catalogs() -> None:
    keys = _keys()
    assert "console.nav.overview" in keys and "console.role.office" in keys
    for language in LANGUAGES:
        missing = keys - set(catalog(language))
        assert not missing, (language, sorted(missing))


def test_every_template_compiles() -> None:
    for path in TEMPLATES.glob("*.html"):
        environment().get_template(path.name)
