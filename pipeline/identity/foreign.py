"""A second evaluation set: US persons and businesses, with a noise model unlike the demo generator's.

The demo data (``pipeline/demo_data``) is British businesses whose duplicates come from five source
systems. This set is American: consumers and companies in one CRM export, phones written in
every US way (``(650) 555-3311``, ``650.555.3311``, ``+1 650 555 3311``, ``6505553311``), ZIP and
ZIP+4 postcodes, dates month first, one-digit typos in phones, ZIPs and names, nicknames (Bob for
Robert), street and legal-form abbreviations, swapped first/last names, missing fields, and
households (same surname and address, different people) as hard non-matches. Each entity has one to
five records. Deterministic for a given seed; ``entity_id`` keeps the truth.
"""

from __future__ import annotations

import logging
import random
from typing import Final

import pandas as pd

from pipeline.identity.fields import FieldMap

logger = logging.getLogger(__name__)

#: The set's columns, as a CRM export names them, mapped to identity fields (every column).
FOREIGN_FIELDS: Final = FieldMap(
    record_id="id",
    given_name="first_name",
    family_name="last_name",
    business_name="company",
    email="email",
    phone="phone",
    street="address",
    city="city",
    state="state",
    postcode="zip",
    date_of_birth="dob",
)


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


#: Given names with the nicknames people and clerks write for them.
_GIVEN: Final[dict[str, tuple[str, ...]]] = {
    "Robert": ("Bob", "Rob", "Bobby"), "William": ("Bill", "Will", "Billy"), "Elizabeth": ("Liz", "Beth", "Betty"),
    "James": ("Jim", "Jimmy"), "John": ("Jack", "Johnny"), "Michael": ("Mike",), "Richard": ("Rick", "Dick"),
    "Margaret": ("Peggy", "Maggie"), "Katherine": ("Kate", "Kathy"), "Jennifer": ("Jen", "Jenny"),
    "Thomas": ("Tom",), "Charles": ("Chuck", "Charlie"), "Joseph": ("Joe",), "Daniel": ("Dan", "Danny"),
    "Christopher": ("Chris",), "Patricia": ("Pat", "Patty"), "Susan": ("Sue",), "Deborah": ("Debbie", "Deb"),
    "Anthony": ("Tony",), "Edward": ("Ed", "Eddie", "Ted"), "Henry": ("Hank",), "Rebecca": ("Becky",),
    "Nicholas": ("Nick",), "Alexander": ("Alex",), "Samantha": ("Sam",), "Victoria": ("Vicky",),
    "Mary": (), "Linda": (), "Barbara": (), "Sarah": (), "Karen": (), "Nancy": (), "Lisa": (),
    "Maria": (), "Carlos": (), "Jose": (), "Wei": (), "Priya": (), "Mohammed": (), "Aisha": (), "Kevin": (),
    "Brian": (), "Jason": (), "Laura": (), "Emily": (), "Ashley": (), "Megan": (), "Olivia": (), "Ethan": (),
    "Noah": (), "Grace": (), "Hannah": (), "Tyler": (), "Jordan": (), "Diego": (), "Lucia": (), "Hiroshi": (),
}  # fmt: skip
_FAMILY: Final = _words(
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson "
    "Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis "
    "Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera "
    "Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart "
    "Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim "
    "Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo "
    "Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins Perry Russell Sullivan Bell Coleman Butler "
    "Henderson Barnes Gonzales Fisher Vasquez Simmons Romero Jordan Patterson Alexander Hamilton Graham Reynolds "
    "Griffin Wallace Moreno West Cole Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar Stevens Murray Ford "
    "Castro Marshall Owens Harrison Fernandez Mcdonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman "
    "Webb Tucker Guzman Burns Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon"
)
_STREETS: Final = _words(
    "Oak Maple Pine Cedar Elm Washington Lake Hill Park Main Sunset Lincoln Jackson Highland Madison Church Ridge "
    "Willow Franklin Spring Meadow Forest River Cherry Walnut Chestnut Valley Jefferson Adams Mill Center Broad"
)
#: Street types: (how one record writes it, how another abbreviates it).
_STREET_TYPES: Final = (
    ("Street", "St"), ("Avenue", "Ave"), ("Road", "Rd"), ("Drive", "Dr"), ("Lane", "Ln"), ("Boulevard", "Blvd"),
    ("Court", "Ct"), ("Place", "Pl"),
)  # fmt: skip
#: (city, state, full state name, three-digit ZIP prefix, area codes).
_CITIES: Final = (
    ("San Francisco", "CA", "California", "941", ("415", "628")),
    ("Palo Alto", "CA", "California", "943", ("650",)),
    ("Los Angeles", "CA", "California", "900", ("213", "310", "323")),
    ("San Diego", "CA", "California", "921", ("619", "858")),
    ("New York", "NY", "New York", "100", ("212", "646", "917")),
    ("Brooklyn", "NY", "New York", "112", ("718", "347")),
    ("Austin", "TX", "Texas", "787", ("512", "737")),
    ("Houston", "TX", "Texas", "770", ("713", "832")),
    ("Dallas", "TX", "Texas", "752", ("214", "469")),
    ("Miami", "FL", "Florida", "331", ("305", "786")),
    ("Orlando", "FL", "Florida", "328", ("407",)),
    ("Chicago", "IL", "Illinois", "606", ("312", "773")),
    ("Seattle", "WA", "Washington", "981", ("206",)),
    ("Denver", "CO", "Colorado", "802", ("303", "720")),
    ("Boston", "MA", "Massachusetts", "021", ("617", "857")),
    ("Atlanta", "GA", "Georgia", "303", ("404", "678")),
    ("Phoenix", "AZ", "Arizona", "850", ("602", "480")),
    ("Portland", "OR", "Oregon", "972", ("503", "971")),
)
_BUSINESS_WORDS: Final = _words(
    "Pacific Summit Golden Bright Liberty Evergreen Pioneer Harbor Eagle Cascade Frontier Sterling Redwood Metro "
    "Keystone Horizon Atlas Beacon Granite Prairie Coastal Northern Silver Blue Apex Crescent Heritage Union"
)
_TRADES: Final = (
    "Plumbing", "Dental", "Bakery", "Auto Repair", "Landscaping", "Consulting", "Realty", "Roofing", "Electric",
    "Coffee", "Fitness", "Pharmacy", "Logistics", "Cleaning", "Design", "Insurance", "Law Group", "Motors",
)  # fmt: skip
#: Legal forms: (full, short); one record writes one, another the other or none.
_LEGAL: Final = (
    ("Incorporated", "Inc"),
    ("Company", "Co"),
    ("Corporation", "Corp"),
    ("LLC", "L.L.C."),
    ("", ""),
)
_MAIL: Final = ("gmail.com", "yahoo.com", "hotmail.com", "aol.com", "comcast.net", "icloud.com")


def _digit_typo(rng: random.Random, digits: str, start: int = 0) -> str:
    """One keying error in ``digits[start:]``: a wrong digit or two neighbours swapped."""
    i = rng.randrange(start, len(digits) - 1)
    if rng.random() < 0.6:
        return digits[:i] + str((int(digits[i]) + rng.randrange(1, 10)) % 10) + digits[i + 1 :]
    return digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :]


def _letter_typo(rng: random.Random, word: str) -> str:
    if len(word) < 4:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.random()
    if kind < 0.4:
        return word[:i] + rng.choice("aeioulnrst") + word[i + 1 :]
    if kind < 0.7:
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def _phone(rng: random.Random, digits: str) -> str:
    """Ten digits written one of the ways US records write them."""
    a, b, c = digits[:3], digits[3:6], digits[6:]
    style = rng.randrange(7)
    return (
        f"({a}) {b}-{c}", f"{a}.{b}.{c}", f"+1 {a} {b} {c}", digits, f"1-{a}-{b}-{c}", f"{a}-{b}-{c}", f"+1{digits}"
    )[style]  # fmt: skip


def _entity(
    rng: random.Random, k: int, business: bool, household: dict[str, str | None] | None = None
) -> dict[str, str | None]:
    """One true person or business; ``household``: another person of that surname at that address."""
    place = rng.choice(_CITIES)
    if household is not None:
        place = next(c for c in _CITIES if c[0] == household["city"])
    city, state, state_name, zip3, areas = place
    street_type = rng.choice(_STREET_TYPES)
    given = rng.choice(list(_GIVEN))
    family = rng.choice(_FAMILY) if household is None else household["last_name"] or ""
    rec: dict[str, str | None] = {
        "first_name": given,
        "last_name": family,
        "phone": rng.choice(areas) + str(rng.randrange(2, 10)) + f"{rng.randrange(0, 10**6):06d}",
        "address": f"{rng.randrange(1, 9900)} {rng.choice(_STREETS)} {street_type[0]}",
        "city": city,
        "state": state,
        "state_name": state_name,
        "zip": zip3 + f"{rng.randrange(1, 100):02d}",
        "zip4": f"{rng.randrange(1, 10000):04d}",
    }
    if household is not None:
        rec.update({c: household[c] for c in ("address", "zip", "zip4")})
    if business:
        words = f"{rng.choice(_BUSINESS_WORDS)} {rng.choice(_TRADES)}"
        legal = rng.choice(_LEGAL)
        rec["company"] = f"{words} {legal[0]}".strip()
        rec["legal_short"] = f"{words} {legal[1]}".strip()
        # Two businesses may share a trading name (in other cities), never a web domain.
        domain = f"{words.lower().replace(' ', '')}{k}{rng.choice(('.com', '.net', '.us'))}"
        rec["email"] = f"{rng.choice(('info', 'office', given.lower()))}@{domain}"
        rec["dob"] = None
    else:
        rec["company"] = None
        rec["email"] = f"{given.lower()}.{family.lower()}{k}@{rng.choice(_MAIL)}"
        rec["dob"] = f"{rng.randrange(1940, 2005)}-{rng.randrange(1, 13):02d}-{rng.randrange(1, 29):02d}"
    return rec


def _record(rng: random.Random, e: dict[str, str | None], first: bool) -> dict[str, str | None]:
    """One record of entity ``e``: the first is clean but for formats; the others carry the noise."""
    out: dict[str, str | None] = {}
    noisy = not first
    given, family = e["first_name"] or "", e["last_name"] or ""
    if noisy and _GIVEN.get(given) and rng.random() < 0.2:
        given = rng.choice(_GIVEN[given])
    if noisy and rng.random() < 0.06:
        given = _letter_typo(rng, given)
    if noisy and rng.random() < 0.06:
        family = _letter_typo(rng, family)
    if noisy and rng.random() < 0.04:
        given, family = family, given
    if rng.random() < 0.08:
        given, family = given.upper(), family.upper()
    out["first_name"], out["last_name"] = given, family
    company = e["company"]
    if company is not None:
        if rng.random() < 0.5:
            company = e["legal_short"]
        if noisy and rng.random() < 0.05:
            company = _letter_typo(rng, company or "")
        if rng.random() < 0.05:
            company = (company or "").upper()
    out["company"] = company
    phone = e["phone"] or ""
    if noisy and rng.random() < 0.12:
        phone = _digit_typo(rng, phone, start=3)
    out["phone"] = _phone(rng, phone)
    zip5 = e["zip"] or ""
    if noisy and rng.random() < 0.06:
        zip5 = _digit_typo(rng, zip5, start=2)
    out["zip"] = f"{zip5}-{e['zip4']}" if rng.random() < 0.35 else zip5
    address = e["address"] or ""
    for full, short in _STREET_TYPES:
        if rng.random() < 0.5:
            address = address.replace(f" {full}", f" {short}")
    if noisy and rng.random() < 0.05:
        number, rest = address.split(" ", 1)
        address = f"{number} {_letter_typo(rng, rest)}"
    if rng.random() < 0.08:
        address += f" Apt {rng.randrange(1, 40)}{rng.choice('ABCD')}"
    out["address"] = address
    out["city"] = _letter_typo(rng, e["city"] or "") if noisy and rng.random() < 0.04 else e["city"]
    out["state"] = e["state_name"] if rng.random() < 0.2 else e["state"]
    email = e["email"] or ""
    out["email"] = email.upper() if rng.random() < 0.1 else email
    dob = e["dob"]
    if dob is not None:
        y, m, d = dob.split("-")
        dob = f"{m}/{d}/{y}" if rng.random() < 0.6 else dob
        if noisy and rng.random() < 0.03:
            dob = dob[:-1] + str((int(dob[-1]) + 1) % 10)
    out["dob"] = dob
    if noisy:
        for column, share in (
            ("email", 0.35),
            ("phone", 0.12),
            ("dob", 0.2),
            ("address", 0.08),
            ("zip", 0.05),
        ):
            if rng.random() < share:
                out[column] = None
        if rng.random() < 0.03:
            out["first_name"] = None
    return out


def foreign_records(entities: int = 4000, seed: int = 42, business_share: float = 0.3) -> pd.DataFrame:
    """Records of ``entities`` US persons and businesses (one to five records each), with ``entity_id``."""
    rng = random.Random(seed)  # seeded evaluation data  # nosec B311
    rows: list[dict[str, str | None]] = []
    truth: list[int] = []
    households = 0
    k = 0
    while k < entities:
        e = _entity(rng, k, rng.random() < business_share)
        members = [e]
        if e["company"] is None and rng.random() < 0.1 and k + 1 < entities:
            members.append(_entity(rng, k + 1, False, household=e))
            households += 1
        for member in members:
            copies = min(5, 1 + int(rng.expovariate(0.9)))
            for i in range(copies):
                rows.append(_record(rng, member, first=i == 0))
                truth.append(k)
            k += 1
    order = list(range(len(rows)))
    rng.shuffle(order)
    frame = pd.DataFrame([rows[i] for i in order], columns=list(FOREIGN_FIELDS.mapped().values()))
    frame.insert(0, "id", [f"r{i:06d}" for i in range(len(rows))])
    frame["entity_id"] = [truth[i] for i in order]
    logger.info("%d records of %d entities (%d households of two)", len(frame), entities, households)
    return frame
