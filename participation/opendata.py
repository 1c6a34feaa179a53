"""The open-data export of every public process (CSV/XLSX through sman.lists, JSON): figures, no personal data."""

from sman.exports import Euros
from sman.lists import Column, Export


def _scope(process) -> str:
    return ", ".join(t.code for t in process.territories.all())


def _phase(process) -> str:
    phase = process.current_phase
    return phase.get_kind_display() if phase else ("terminée" if process.is_finished else "à venir")


OPEN_DATA_EXPORT = Export(
    "participation-demarches",
    [
        Column("identifiant", lambda p: p.slug),
        Column("titre", lambda p: p.title),
        Column("collectivité", lambda p: p.space.organisation.name),
        Column("périmètre (codes)", _scope),
        Column("phase en cours", _phase),
        Column("début", lambda p: min((ph.starts_on for ph in p.phases.all()), default=None)),
        Column("fin", lambda p: max((ph.ends_on for ph in p.phases.all()), default=None)),
        Column("propositions", lambda p: p.proposal_count),
        Column("propositions retenues", lambda p: p.accepted_count),
        Column("budget participatif (€)", lambda p: Euros(p.budget_cents) if p.budget_cents else None),
        Column("résultats suivis", lambda p: p.result_count),
        Column("résultats réalisés", lambda p: p.delivered_count),
    ],
    dated=True,
)


def open_data_rows(processes) -> list[dict]:
    return [
        {
            "slug": p.slug,
            "title": p.title,
            "summary": p.summary,
            "collectivity": p.space.organisation.name,
            "scope": [t.code for t in p.territories.all()],
            "phases": [
                {"kind": ph.kind, "starts_on": ph.starts_on.isoformat(), "ends_on": ph.ends_on.isoformat()}
                for ph in p.phases.all()
            ],
            "proposals": p.proposal_count,
            "proposals_accepted": p.accepted_count,
            "budget_cents": p.budget_cents,
            "results": p.result_count,
            "results_delivered": p.delivered_count,
        }
        for p in processes
    ]
