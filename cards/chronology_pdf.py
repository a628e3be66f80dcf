"""The chronology export as a PDF (reportlab): a cover page, then every entry with its author
and times, "Page n of m" and the confidentiality line on every page.

A view like the cards: a PupilRecord in, bytes out, no I/O. Staff-written text is escaped and
kept as plain text (line breaks kept), never interpreted as markup.
"""

from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from cards.pupil_record import entry_title
from safeguarding.chronology import Entry, PupilRecord

CONFIDENTIAL = "CONFIDENTIAL: child protection record. Keep separately from the pupil file."


@dataclass(frozen=True)
class ExportFacts:
    """Who exported it, when, and for which school (for the cover page)."""

    school: str
    exported_by: str
    exported_at: datetime


def chronology_pdf(record: PupilRecord, facts: ExportFacts) -> bytes:
    """The whole chronology in `record` (exported with no page limit) as PDF bytes."""
    zone = ZoneInfo(record.time_zone)
    styles = _styles()
    out = BytesIO()
    document = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=20 * mm,
        title=f"Chronology {record.student.known_upn or record.student.id}",
        author="Kestrel",
        subject="Safeguarding chronology",
    )
    story = _cover(record, facts, zone, styles) + [PageBreak()]
    story.append(Paragraph("Chronology", styles["Heading1"]))
    if not record.entries:
        story.append(Paragraph("No entries match the filter.", styles["BodyText"]))
    for entry in record.entries:
        parts = _entry(record, entry, zone, styles)
        story.append(KeepTogether(parts[:-2]))  # the heading lines stay with each other
        story += parts[-2:]
    document.build(story, canvasmaker=_NumberedCanvas)
    return out.getvalue()


def _cover(record: PupilRecord, facts: ExportFacts, zone: ZoneInfo, styles) -> list:
    student = record.student
    name = f"{student.first_name} {student.last_name}"
    born = student.date_of_birth.strftime("%d/%m/%Y") if student.date_of_birth else "not recorded"
    rows = [
        ("Pupil", name),
        ("UPN", student.known_upn or "not recorded"),
        ("Date of birth", born),
        ("Year and tutor group", f"Year {student.year_group}, {student.tutor_group or 'none'}"),
        ("School", facts.school),
        ("Exported by", facts.exported_by),
        ("Exported at", _when(facts.exported_at, zone)),
        ("Filter", record.chosen.describe(record.categories)),
        ("Entries", str(record.total)),
    ]
    if record.held_back:
        rows.append(
            (
                "Not included",
                f"{record.held_back} entries needing elevated access (the exporter had not "
                "entered a code)",
            )
        )
    table = Table(
        [
            [Paragraph(f"<b>{escape(k)}</b>", styles["BodyText"]), _plain(v, styles)]
            for k, v in rows
        ],
        colWidths=[45 * mm, 125 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
            ]
        )
    )
    return [
        Paragraph("Safeguarding chronology", styles["Title"]),
        Paragraph(escape(name), styles["Heading2"]),
        Spacer(1, 6 * mm),
        table,
        Spacer(1, 10 * mm),
        Paragraph(escape(CONFIDENTIAL), styles["Italic"]),
    ]


def _entry(record: PupilRecord, entry: Entry, zone: ZoneInfo, styles) -> list:
    names = record.staff_names
    author = names.get(entry.author_id, "a former colleague")
    incident = entry.incident
    title = entry_title(entry, names)
    recorded = (
        entry.action.recorded_at
        if entry.action
        else entry.decision.at
        if entry.decision
        else incident.recorded_at
    )
    categories = ", ".join(
        sorted(record.categories[c].name for c in entry.category_ids if c in record.categories)
    )
    happened = _when(entry.happened_at, zone)
    meta = f"Happened {happened}. Recorded by {author} on {_when(recorded, zone)}."
    parts = [
        Paragraph(
            f"<b>{escape(_when(entry.happened_at, zone))}: {escape(title)}</b>", styles["Heading4"]
        ),
        Paragraph(escape(meta), styles["Small"]),
    ]
    if categories:
        parts.append(Paragraph(escape(f"Categories: {categories}"), styles["Small"]))
    if entry.action is not None and entry.action.agency:
        parts.append(Paragraph(escape(f"Agency: {entry.action.agency}"), styles["Small"]))
    if entry.decision is not None and entry.text:
        parts.append(Paragraph("<i>Reason for the decision:</i>", styles["Small"]))
    parts += [_plain(entry.text, styles), Spacer(1, 4 * mm)]
    return parts


def _plain(text: str, styles) -> Paragraph:
    """Staff-written text as text: escaped, line breaks kept."""
    return Paragraph(escape(text).replace("\n", "<br/>"), styles["BodyText"])


def _when(moment: datetime, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%d/%m/%Y %H:%M")


def _styles():
    styles = getSampleStyleSheet()
    styles.add(
        ParagraphStyle("Small", parent=styles["BodyText"], fontSize=8, textColor=colors.grey)
    )
    return styles


class _NumberedCanvas(Canvas):
    """Draws "Page n of m" and the confidentiality line once the page count is known."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict] = []

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        count = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self.setFont("Helvetica", 8)
            self.setFillColor(colors.grey)
            self.drawString(18 * mm, 10 * mm, CONFIDENTIAL)
            self.drawRightString(A4[0] - 18 * mm, 10 * mm, f"Page {self._pageNumber} of {count}")
            super().showPage()
        super().save()
