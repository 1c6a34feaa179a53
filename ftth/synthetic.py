"""Realistic synthetic files for tests, demo and benchmarks: points inside the real commune outlines
(PostGIS ST_GeneratePoints, in proportion to population), plausible streets and statuses."""

import csv
import random
from datetime import date, timedelta
from pathlib import Path

from django.db import connection

STREET_TYPES = ["RUE", "RUE", "RUE", "AVENUE", "BOULEVARD", "ALLEE", "PLACE", "IMPASSE", "CHEMIN", "SQUARE"]
STREET_NAMES = [
    "DE LA REPUBLIQUE", "JEAN JAURES", "DE LA LIBERATION", "VICTOR HUGO", "DU GENERAL LECLERC", "GAMBETTA",
    "DE PARIS", "PASTEUR", "DES TILLEULS", "EMILE ZOLA", "DE STALINGRAD", "DES ECOLES", "DE LA RESISTANCE",
    "JEAN MOULIN", "DES VIGNES", "DE LA GARE", "DE LA MAIRIE", "DU MARECHAL FOCH", "ARISTIDE BRIAND",
    "PAUL VAILLANT COUTURIER", "GABRIEL PERI", "HENRI BARBUSSE", "MAXIMILIEN ROBESPIERRE", "LOUISE MICHEL",
    "PIERRE CURIE", "MARIE CURIE", "ANATOLE FRANCE", "JULES FERRY", "CARNOT", "DANTON", "DES LILAS",
    "DES ROSIERS", "DU CHATEAU", "DE L EGLISE", "DU CANAL", "DE LA PAIX", "DU 8 MAI 1945", "DU 11 NOVEMBRE",
    "GEORGES CLEMENCEAU", "CHARLES DE GAULLE", "SALVADOR ALLENDE", "NELSON MANDELA", "SIMONE VEIL",
    "DES FRERES LUMIERE", "ALBERT EINSTEIN", "LEON BLUM", "ROGER SALENGRO", "DE VERDUN", "DES PEUPLIERS",
]  # fmt: skip
STREETS_PER_COMMUNE = 230
STREETS = [
    ("RUE", "DE LA REPUBLIQUE"), ("AVENUE", "JEAN JAURES"), ("BOULEVARD", "DE LA LIBERATION"), ("RUE", "VICTOR HUGO"),
    ("RUE", "DU GENERAL LECLERC"), ("AVENUE", "GAMBETTA"), ("RUE", "DE PARIS"), ("PLACE", "DE LA MAIRIE"),
    ("RUE", "PASTEUR"), ("ALLEE", "DES TILLEULS"), ("RUE", "EMILE ZOLA"), ("BOULEVARD", "DE STALINGRAD"),
    ("RUE", "DES ECOLES"), ("AVENUE", "DE LA RESISTANCE"), ("RUE", "JEAN MOULIN"), ("CHEMIN", "DES VIGNES"),
]  # fmt: skip
# Deployment around the Métropole: most buildings are connectable.
STATUSES = [("deploye", 78), ("en cours de deploiement", 8), ("cible", 5), ("signe", 4), ("raccordable demande", 4),
            ("abandonne", 1)]  # fmt: skip
IPE_STATE = {
    "deploye": "DEPLOYE", "en cours de deploiement": "EN COURS DE DEPLOIEMENT", "cible": "CIBLE", "signe": "SIGNE",
    "raccordable demande": "RACCORDABLE DEMANDE", "abandonne": "ABANDONNE",
}  # fmt: skip
# The ARCEP layout of 2025 (see ftth/formats.py for the others).
ARCEP_HEADER = ["x", "y", "imb_id", "num_voie", "cp_no_voie", "type_voie", "nom_voie", "batiment", "code_insee",
                "code_poste", "nom_com", "catg_loc_imb", "imb_etat", "pm_ref", "pm_etat", "pm_date_mad", "code_l331",
                "type_imb", "date_completude", "date_completude_manquante"]  # fmt: skip
IPE_HEADER = ["IdentifiantImmeuble", "CodeAdresseImmeuble", "CodeInseeImmeuble", "CodePostalImmeuble",
              "CommuneImmeuble", "TypeVoieImmeuble", "NomVoieImmeuble", "NumeroVoieImmeuble",
              "ComplementNumeroVoieImmeuble", "BatimentImmeuble", "NombreLogementsAdresseIPE", "EtatImmeuble",
              "DateMiseEnServiceCommercialeImmeuble", "ReferencePM", "EtatPM", "DateInstallationPM", "TypeImmeuble",
              "CoordonneeImmeubleX", "CoordonneeImmeubleY", "TypeProjectionGeographique"]  # fmt: skip


def _points(n: int, srid: int, seed: int):
    """(insee, commune name, postcode-ish, x, y) for n points spread by population over the 130 communes."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            WITH c AS (
              SELECT code, name, geometry, population,
                     greatest(1, round(%(n)s * population::numeric / sum(population) OVER ()))::int AS k
              FROM sman_territory WHERE kind = 'commune' AND geometry IS NOT NULL
            )
            SELECT c.code, c.name, ST_X(p.geom), ST_Y(p.geom)
            FROM c, LATERAL ST_Dump(ST_Transform(ST_GeneratePoints(c.geometry, c.k, %(seed)s), %(srid)s)) p
            LIMIT %(n)s
            """,
            {"n": n, "seed": seed, "srid": srid},
        )
        yield from cursor


def write(path: Path, *, buildings: int, fmt: str, operator: str = "OI-DEMO", seed: int = 1) -> int:
    rng = random.Random(seed)
    statuses, weights = zip(*STATUSES, strict=True)
    srid = 2154 if fmt == "ipe" else 4326
    count = 0
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f, delimiter=";" if fmt == "ipe" else ",")
        writer.writerow(IPE_HEADER if fmt == "ipe" else ARCEP_HEADER)
        commune_streets: dict[str, list[tuple[str, str]]] = {}
        combos = [(t, n) for t in dict.fromkeys(STREET_TYPES) for n in STREET_NAMES]
        for insee, name, x, y in _points(buildings, srid, seed):
            count += 1
            # About 30,000 distinct streets over the Métropole, as in real address data.
            if insee not in commune_streets:
                commune_streets[insee] = random.Random(f"{seed}-{insee}").sample(
                    combos, min(STREETS_PER_COMMUNE, len(combos))
                )
            streets = commune_streets[insee]
            street_type, street = rng.choice(streets)
            number = str(rng.randint(1, 180))
            state = rng.choices(statuses, weights)[0]
            postcode = (
                f"{insee[:2]}{rng.randint(0, 9)}{rng.randint(0, 9)}0"
                if insee[:2] != "75"
                else f"750{rng.randint(1, 20):02d}"
            )
            pm = f"PM-{insee}-{rng.randint(1, 40):03d}"
            pm_date = date(2016, 1, 1) + timedelta(days=rng.randint(0, 3000))
            building_id = f"IMB/{insee}/X/{count:08d}"
            if fmt == "ipe":
                service = (
                    (pm_date + timedelta(days=rng.randint(60, 400))).strftime("%Y%m%d") if state == "deploye" else ""
                )
                writer.writerow([
                    building_id, f"{rng.getrandbits(40):010x}", insee, postcode, name.upper(), street_type, street,
                    number, "", "", rng.randint(1, 120), IPE_STATE[state], service, pm, "DEPLOYE",
                    pm_date.strftime("%Y%m%d"), rng.choice(["PAVILLON", "IMMEUBLE"]), f"{x:.2f}", f"{y:.2f}", "RGF93",
                ])  # fmt: skip
            else:
                writer.writerow([
                    f"{x:.6f}", f"{y:.6f}", building_id, number, "", street_type.lower(), street.lower(), "", insee,
                    postcode, name, "4 à 11", state, pm, "deploye", pm_date.isoformat(), operator,
                    rng.choice(["PA", "IM"]), "2025-03-31", "",
                ])  # fmt: skip
    return count
