"""Places: parse administrative region names and find the places a question names.

A region is a path of components (``内蒙古自治区 > 包头市 > 昆都仑区``). The
gazetteer knows the paths in ``places.csv`` plus every region a document in the
index carries, and the short names people type (包头, 昆区, 康巴什).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

_COMPONENT = re.compile(r".+?(?:特别行政区|自治区|自治州|自治县|地区|省|市|盟|区|旗|县|镇)")
_SUFFIX = re.compile(r"(?:特别行政区|自治区|自治州|自治县|地区|省|市|盟|区|旗|县|镇)$")
_PLACES_FILE = Path(__file__).with_name("places.csv")


def split_region(region: str) -> tuple[str, ...]:
    """``内蒙古自治区包头市昆都仑区`` → ``("内蒙古自治区", "包头市", "昆都仑区")``."""
    parts = tuple(_COMPONENT.findall(region.replace(" ", "")))
    consumed = sum(len(p) for p in parts)
    rest = region.replace(" ", "")[consumed:]
    return parts + ((rest,) if rest else ())


class Gazetteer:
    """Resolves place names in text to region paths."""

    def __init__(self, paths: Iterable[tuple[str, ...]], aliases: dict[str, str]) -> None:
        self.paths = {p for p in paths if p}
        self._alias_to_component: dict[str, str] = {}
        for path in self.paths:
            for component in path:
                self._alias_to_component[component] = component
                short = _SUFFIX.sub("", component)
                if len(short) >= 2:
                    self._alias_to_component.setdefault(short, component)
        self._alias_to_component.update(aliases)
        self._pattern = re.compile("|".join(sorted(map(re.escape, self._alias_to_component), key=len, reverse=True)))

    @classmethod
    def default(cls, extra_regions: Iterable[str] = ()) -> Gazetteer:
        paths, aliases = _bundled_places()
        return cls([*paths, *(split_region(r) for r in extra_regions if r)], aliases)

    def components_in(self, text: str) -> list[str]:
        """Region components named in ``text``, in order of appearance, each once."""
        found: list[str] = []
        for match in self._pattern.finditer(text):
            component = self._alias_to_component[match.group(0)]
            if component not in found:
                found.append(component)
        return found

    def mentions(self, text: str) -> list[str]:
        """Place names as written in ``text`` (昆区, 包头市 …), in order of appearance."""
        return [m.group(0) for m in self._pattern.finditer(text)]

    def strip_places(self, text: str) -> str:
        """``text`` with every place name blanked out."""
        return self._pattern.sub(" ", text)

    def path_of(self, component: str) -> tuple[str, ...] | None:
        """The full path of a component (shortest known path that ends in it)."""
        candidates = [p[: p.index(component) + 1] for p in self.paths if component in p]
        return min(candidates, key=len) if candidates else None

    def region_in_title(self, title: str) -> str | None:
        """The most specific known place a title names, as a full region name."""
        paths = [self.path_of(c) for c in self.components_in(title)]
        paths = [p for p in paths if p]
        return "".join(max(paths, key=len)) if paths else None

    def resolve(self, name: str) -> tuple[str, ...] | None:
        """A region filter typed by a user (昆区, 包头市, 内蒙古自治区包头市) as a region path."""
        components = self.components_in(name)
        return self.path_of(components[-1]) if components else None


def region_tier(doc_region: str | None, place: tuple[str, ...]) -> int:
    """How well a document's region fits a place the user named.

    2: the document is about that place or a place inside it; 1: it covers a
    larger area that contains the place (a city-wide policy for a district
    question); 0: elsewhere or unknown.
    """
    if not doc_region or not place:
        return 0
    doc_path = split_region(doc_region)
    if place[-1] in doc_path:
        return 2
    if doc_path and doc_path[-1] in place:
        return 1
    return 0


@cache
def _bundled_places() -> tuple[list[tuple[str, ...]], dict[str, str]]:
    paths: list[tuple[str, ...]] = []
    aliases: dict[str, str] = {}
    for line in _PLACES_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        region, _, alias_field = line.partition(",")
        path = split_region(region.strip())
        paths.append(path)
        aliases.update({a.strip(): path[-1] for a in alias_field.split("|") if a.strip()})
    return paths, aliases
