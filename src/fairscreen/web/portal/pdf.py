"""The printable report (PDF) for the employer's file, drawn with ReportLab.

ReportLab is pure Python with wheels on every platform, and it ships Adobe's Asian CID fonts
(MSung-Light for Traditional, STSong-Light for Simplified Chinese): the PDF names them and any
reader supplies the glyphs, so nothing has to be embedded and no system font is needed.
WeasyPrint would render the HTML page itself but needs Pango and a CJK font on the server.

The PDF holds what the staff report page holds, and nothing excluded."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from fairscreen.kit.clock import utcnow
from fairscreen.web.portal.i18n import Text
from fairscreen.web.portal.labels import labeller

FONTS = {"zh-Hant": "MSung-Light", "zh-Hans": "STSong-Light", "en": "STSong-Light"}
LIGHT_COLOURS = {"green": "#11602a", "blue": "#0b4f8a", "yellow": "#6b4a00", "red": "#9c1c1c"}


def _font(language: str) -> str:
    name = FONTS[language]
    if name not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(name))
    return name


def render_report(report: dict[str, Any], text: Text) -> bytes:
    _ = text.gettext
    label = labeller(_)
    font = _font(text.language)
    body = ParagraphStyle("body", fontName=font, fontSize=10, leading=15)
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=11, textColor="#4a5360")
    h1 = ParagraphStyle("h1", parent=body, fontSize=17, leading=23, spaceAfter=6)
    h2 = ParagraphStyle("h2", parent=body, fontSize=12.5, leading=18, spaceBefore=10)

    def p(value: str, style: ParagraphStyle = body) -> Paragraph:
        return Paragraph(escape(value), style)

    check = report["check"]
    story: list[Any] = [
        p(_("Background check report"), h1),
        p(f"{check['position']['title']} · {label('check_status', check['status'])}"),
        p(_("Printed %(when)s") % {"when": text.datetime(utcnow())}, small),
        p(f"{_('Check')} {check['id']} · {_('Policy')} {check['policy']}", small),
    ]
    for version in reversed(report["versions"]):
        light = str(version["light"])
        story += [
            p(_("Version %(num)s") % {"num": version["version"]}, h2),
            Paragraph(
                f'<font color="{LIGHT_COLOURS.get(light, "#3d4652")}"><b>● '
                f"{escape(label('light', light))}</b></font> · "
                f"{escape(_('Issued'))} {escape(text.datetime(version['issued_at']))}",
                body,
            ),
        ]
        reasons = [
            [
                p(r["rule"]),
                p(label("reason", r["code"])),
                p(str(r["legal_basis"])),
            ]
            for r in version["reasons"]
        ]
        if reasons:
            table = Table(
                [[p(_("Rule")), p(_("Reason")), p(_("Legal basis"))], *reasons],
                colWidths=[28 * mm, 80 * mm, 62 * mm],
            )
            table.setStyle(
                TableStyle(
                    [
                        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#c9d1db")),
                        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6e9ed")),
                        ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ]
                )
            )
            story += [Spacer(1, 4), table]
        else:
            story.append(p(_("No rule applies: nothing found counts against the candidate.")))
        for f in version["findings"]:
            rule = f.get("rule")
            story.append(
                p(
                    f"{label('item', f['item'])} · {label('source', f['source'])}"
                    + (f" · {_('rule')} {rule}" if rule else "")
                    + f" · {f['ref']}",
                    small,
                )
            )
    for notice in report["notices"]:
        story += [
            p(_("Pre-adverse notice"), h2),
            p(
                _("Sent %(sent)s; waiting period until %(until)s.")
                % {
                    "sent": text.datetime(notice["sent_at"]),
                    "until": text.datetime(notice["waiting_until"]),
                }
            ),
        ]
    decision = report["decision"]
    if decision is not None:
        story += [
            p(_("Decision"), h2),
            p(f"{label('outcome', decision['outcome'])} · {text.datetime(decision['decided_at'])}"),
        ]
        for flag in decision["flags"]:
            story.append(p(f"{flag}: {label('rule', flag)}"))
    story += [
        Spacer(1, 10),
        p(
            _(
                "The candidate received this report at the same time, with every source and "
                "rule, and may dispute any finding."
            ),
            small,
        ),
    ]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=_("Background check report"),
        author="fairscreen",
        lang=text.language,
    )
    document.build(story)
    return buffer.getvalue()
