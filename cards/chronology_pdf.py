"""The chronology export as a PDF (reportlab): a compact header (pupil, school, who exported it
and when, the filter), then at once every entry with its author and times, each incident's
other pupils (only those the exporter may see are named) and its body map; "Page n of m" and
the confidentiality line on every page.

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
    Image,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from cards.body_map import HEIGHT, WIDTH, body_map_png
from cards.pupil_record import entry_title
from cards.pupils import pupil_name
from safeguarding.chronology import Entry, PupilRecord
from safeguarding.incidents import Marker

CONFIDENTIAL = "CONFIDENTIAL: child protection record. Keep separately from the pupil file."


@dataclass(frozen=True)
class ExportFacts:
    """Who exported it, when, and for which school (for the header)."""

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
    story = _header(record, facts, zone, styles)
    if not record.entries:
        story.append(Paragraph("No entries match the filter.", styles["BodyText"]))
    for entry in record.entries:
        heading, rest = _entry(record, entry, zone, styles)
        story += [KeepTogether(heading), *rest]  # the heading lines stay with each other
    document.build(story, canvasmaker=_NumberedCanvas)
    return out.getvalue()


def _header(record: PupilRecord, facts: ExportFacts, zone: ZoneInfo, styles) -> list:
    """The pupil and the export in a few lines, two facts to a row; the entries follow."""
    student = record.student
    name = f"{student.first_name} {student.last_name}"
    born = student.date_of_birth.strftime("%d/%m/%Y") if student.date_of_birth else "not recorded"
    pairs = [
        ("Pupil", name),
        ("School", facts.school),
        ("UPN", student.known_upn or "not recorded"),
        ("Exported by", facts.exported_by),
        ("Date of birth", born),
        ("Exported at", _when(facts.exported_at, zone)),
        ("Year", f"Year {student.year_group}, tutor group {student.tutor_group or 'none'}"),
        ("Filter", record.chosen.describe(record.categories)),
    ]
    label = styles["Label"]
    rows = [
        [
            cell
            for key, value in pairs[i : i + 2]
            for cell in (Paragraph(escape(key), label), _plain(value, styles))
        ]
        for i in range(0, len(pairs), 2)
    ]
    table = Table(rows, colWidths=[27 * mm, 58 * mm, 27 * mm, 62 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                ("TOPPADDING", (0, 0), (-1, -1), 1),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
            ]
        )
    )
    entries = f"{record.total} entries, oldest first."
    if record.held_back:
        entries += (
            f" Not included: {record.held_back} needing elevated access (the exporter had not "
            "entered a code)."
        )
    return [
        Paragraph(escape(f"Safeguarding chronology: {name}"), styles["Heading2"]),
        table,
        Spacer(1, 2 * mm),
        Paragraph(escape(f"{entries} {CONFIDENTIAL}"), styles["Small"]),
        Spacer(1, 3 * mm),
    ]


def _entry(record: PupilRecord, entry: Entry, zone: ZoneInfo, styles) -> tuple[list, list]:
    """The entry's heading lines (kept together), then its text, pupils and body map."""
    names = record.staff_names
    author = names.get(entry.author_id, "a former colleague")
    categories = ", ".join(
        sorted(record.categories[c].name for c in entry.category_ids if c in record.categories)
    )
    happened = _when(entry.happened_at, zone)
    meta = f"Happened {happened}. Recorded by {author} on {_when(entry.recorded_at, zone)}."
    title = f"{happened}: {entry_title(entry, names)}"
    heading = [
        Paragraph(f"<b>{escape(title)}</b>", styles["Heading4"]),
        Paragraph(escape(meta), styles["Small"]),
    ]
    if categories:
        heading.append(Paragraph(escape(f"Categories: {categories}"), styles["Small"]))
    if entry.action is not None and entry.action.agency:
        heading.append(Paragraph(escape(f"Agency: {entry.action.agency}"), styles["Small"]))
    others = _other_pupils(record, entry) if entry.kind == "incident" else ""
    if others:
        heading.append(Paragraph(escape(others), styles["Small"]))
    if entry.decision is not None and entry.text:
        heading.append(Paragraph("<i>Reason for the decision:</i>", styles["Small"]))
    rest = [_plain(entry.text, styles)]
    markers = record.markers.get(entry.incident.id, ()) if entry.kind == "incident" else ()
    if markers:
        rest.append(_body_map(markers, styles))
    return heading, [*rest, Spacer(1, 4 * mm)]


def _other_pupils(record: PupilRecord, entry: Entry) -> str:
    """The incident's other pupils: named only where the exporter may see them."""
    named, unnamed = [], 0
    for pupil in entry.incident.pupils:
        student = pupil.student
        if student.id == record.student.id:
            continue
        if student.id not in record.visible_pupils:
            unnamed += 1
            continue
        role = "linked" if pupil.linked else "main pupil"
        group = f"Year {student.year_group}, {student.tutor_group or 'no tutor group'}"
        named.append(f"{pupil_name(student, hide=False)} ({group}, {role})")
    if unnamed:
        more = " more" if named else ""
        named.append(f"{unnamed}{more} not named (not the exporter's to see)")
    return "Other pupils: " + "; ".join(named) if named else ""


def _body_map(markers: tuple[Marker, ...], styles) -> Table:
    """The drawn figure with its numbered markers (as the incident shows it), and their notes."""
    width = 70 * mm
    picture = Image(BytesIO(body_map_png(markers)), width=width, height=width * HEIGHT / WIDTH)
    notes = [Paragraph("<b>Body map</b>", styles["BodyText"])] + [
        _plain(f"{m.number}. {m.side}, {m.region}: {m.note}", styles) for m in markers
    ]
    table = Table([[picture, notes]], colWidths=[width + 4 * mm, None])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


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
    styles.add(ParagraphStyle("Label", parent=styles["BodyText"], fontName="Helvetica-Bold"))
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
