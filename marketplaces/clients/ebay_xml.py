"""eBay Trading XML: a safe parser (defusedxml: no DTD, no entities, no network) and the element paths we read
(Ack, Errors), in one place. Building requests uses ElementTree (writing is safe; only parsing is not)."""

from __future__ import annotations

import xml.etree.ElementTree as ET  # noqa: S405 - used to BUILD requests only; parsing goes through defusedxml
from dataclasses import dataclass, field

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring as _safe_fromstring

NS = "urn:ebay:apis:eBLBaseComponents"


class UnsafeXmlError(ValueError):
    """The answer carried a DTD, an entity or an external reference: refused, never parsed."""


def parse_xml(data: bytes | str) -> ET.Element:
    """Parse an eBay answer (or request) safely and drop the eBay namespace from every tag, so paths read
    ``OrderArray/Order``. A DTD or entity declaration is refused (XXE, billion laughs)."""
    try:
        root = _safe_fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise UnsafeXmlError(f"refused XML with {type(exc).__name__}") from exc
    except ET.ParseError as exc:
        raise ValueError(f"not XML: {exc}") from exc
    for el in root.iter():
        if isinstance(el.tag, str) and "}" in el.tag:
            el.tag = el.tag.split("}", 1)[1]
    return root


def text(el: ET.Element | None, path: str, default: str = "") -> str:
    if el is None:
        return default
    value = el.findtext(path)
    return value.strip() if value is not None else default


def build_request(call_name: str, fields: list) -> bytes:
    """``<{call}Request xmlns=...>`` with ``fields``: a list of (tag, value) where value is text or a nested
    list of the same shape."""
    root = ET.Element(f"{call_name}Request", xmlns=NS)

    def add(parent, items):
        for tag, value in items:
            child = ET.SubElement(parent, tag)
            if isinstance(value, list):
                add(child, value)
            else:
                child.text = str(value)

    add(root, fields)
    return b'<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(root, encoding="unicode").encode()


@dataclass
class TradingError:
    code: str
    short: str
    long: str
    severity: str  # Error | Warning
    classification: str  # RequestError | SystemError
    params: dict[str, str] = field(default_factory=dict)  # ParamID -> Value

    @property
    def sku(self) -> str:
        return self.params.get("SKU", "")

    def describe(self) -> str:
        return f"{self.code}: {self.short or self.long}".strip()[:300]


def trading_errors(root: ET.Element) -> list[TradingError]:
    out = []
    for err in root.findall("Errors"):
        params = {p.get("ParamID", ""): text(p, "Value") for p in err.findall("ErrorParameters")}
        out.append(
            TradingError(
                code=text(err, "ErrorCode"),
                short=text(err, "ShortMessage"),
                long=text(err, "LongMessage"),
                severity=text(err, "SeverityCode", "Error"),
                classification=text(err, "ErrorClassification"),
                params=params,
            )
        )
    return out


def response_root(root: ET.Element, call_name: str) -> ET.Element:
    """The ``{call}Response`` element, also when wrapped (the LMS ``BulkDataExchangeResponse(s)`` shape)."""
    tag = f"{call_name}Response"
    if root.tag == tag:
        return root
    found = root.find(f".//{tag}")
    return found if found is not None else root
