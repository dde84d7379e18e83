"""Reference data for the demo world: UK regions and towns, sales reps, segments and the product catalogue."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Final

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Town:
    """A town with its postcode area and geographic dialling code (national format, leading 0)."""

    name: str
    region: str
    postcode_area: str
    area_code: str
    #: leading digits a local number may start with (kept inside ranges phonenumbers treats as valid)
    local_prefix: str
    weight: float


# (region, share of UK businesses in the demo, towns)
_TOWNS: Final[tuple[tuple[str, float, tuple[tuple[str, str, str, str, float], ...]], ...]] = (
    ("London", 0.18, (("London", "EC", "020", "7", 3.0), ("London", "SW", "020", "8", 2.0),
                      ("London", "N", "020", "8", 1.5), ("London", "SE", "020", "3", 1.5),
                      ("London", "W", "020", "7", 1.5), ("London", "E", "020", "8", 1.5))),
    ("South East", 0.14, (("Reading", "RG", "0118", "9", 1.0), ("Brighton", "BN", "01273", "", 1.0),
                          ("Oxford", "OX", "01865", "", 1.0), ("Southampton", "SO", "023", "80", 1.0),
                          ("Guildford", "GU", "01483", "", 0.7), ("Maidstone", "ME", "01622", "", 0.7))),
    ("South West", 0.08, (("Bristol", "BS", "0117", "9", 2.0), ("Exeter", "EX", "01392", "", 1.0),
                          ("Plymouth", "PL", "01752", "", 1.0), ("Bath", "BA", "01225", "", 0.7))),
    ("East of England", 0.09, (("Cambridge", "CB", "01223", "", 1.0), ("Norwich", "NR", "01603", "", 1.0),
                               ("Ipswich", "IP", "01473", "", 0.8), ("Chelmsford", "CM", "01245", "", 0.8))),
    ("West Midlands", 0.09, (("Birmingham", "B", "0121", "4", 3.0), ("Coventry", "CV", "024", "76", 1.0),
                             ("Wolverhampton", "WV", "01902", "", 0.8), ("Stoke-on-Trent", "ST", "01782", "", 0.8))),
    ("East Midlands", 0.07, (("Nottingham", "NG", "0115", "9", 1.5), ("Leicester", "LE", "0116", "2", 1.5),
                             ("Derby", "DE", "01332", "", 1.0), ("Northampton", "NN", "01604", "", 1.0))),
    ("Yorkshire and the Humber", 0.08, (("Leeds", "LS", "0113", "2", 2.0), ("Sheffield", "S", "0114", "2", 1.5),
                                        ("York", "YO", "01904", "", 0.8), ("Hull", "HU", "01482", "", 0.8),
                                        ("Bradford", "BD", "01274", "", 0.8))),
    ("North West", 0.11, (("Manchester", "M", "0161", "2", 3.0), ("Liverpool", "L", "0151", "2", 2.0),
                          ("Preston", "PR", "01772", "", 0.8), ("Bolton", "BL", "01204", "", 0.7),
                          ("Chester", "CH", "01244", "", 0.7))),
    ("North East", 0.04, (("Newcastle upon Tyne", "NE", "0191", "2", 2.0), ("Sunderland", "SR", "0191", "5", 1.0),
                          ("Durham", "DH", "0191", "3", 0.7), ("Middlesbrough", "TS", "01642", "", 0.8))),
    ("Wales", 0.04, (("Cardiff", "CF", "029", "20", 2.0), ("Swansea", "SA", "01792", "", 1.0),
                     ("Newport", "NP", "01633", "", 0.7), ("Wrexham", "LL", "01978", "", 0.5))),
    ("Scotland", 0.08, (("Glasgow", "G", "0141", "3", 2.0), ("Edinburgh", "EH", "0131", "2", 2.0),
                        ("Aberdeen", "AB", "01224", "", 0.8), ("Dundee", "DD", "01382", "", 0.6),
                        ("Inverness", "IV", "01463", "", 0.4))),
    ("Northern Ireland", 0.03, (("Belfast", "BT", "028", "90", 2.0), ("Derry", "BT", "028", "71", 0.6))),
)  # fmt: skip


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


REGIONS: Final[tuple[str, ...]] = tuple(r for r, _, _ in _TOWNS)
REGION_WEIGHTS: Final[tuple[float, ...]] = tuple(w for _, w, _ in _TOWNS)
TOWNS: Final[tuple[Town, ...]] = tuple(
    Town(t, region, area, code, prefix, w)
    for region, _, towns in _TOWNS
    for t, area, code, prefix, w in towns
)

#: Twelve sales reps; each owns one or more regions (London is split between two).
REPS: Final[dict[str, tuple[str, ...]]] = {
    "Priya Shah": ("London",),
    "Tom Gallagher": ("London",),
    "Hannah Okafor": ("South East",),
    "James Penrose": ("South West",),
    "Emily Carter": ("East of England",),
    "Daniel Hughes": ("West Midlands",),
    "Sophie Patel": ("East Midlands",),
    "Oliver Brennan": ("Yorkshire and the Humber",),
    "Grace Whitworth": ("North West",),
    "Liam Armstrong": ("North East",),
    "Fiona MacLeod": ("Scotland", "Northern Ireland"),
    "Rhys Morgan": ("Wales",),
}

CATEGORIES: Final[tuple[str, ...]] = (
    "Office Supplies",
    "Cleaning & Hygiene",
    "Catering & Disposables",
    "Packaging",
    "Safety & PPE",
    "Electrical",
    "Breakroom",
)

# segment -> (share, weights over CATEGORIES, trades used in company names, directory category)
SEGMENTS: Final[dict[str, tuple[float, tuple[float, ...], tuple[str, ...], str]]] = {
    "office": (0.24, (6, 1.5, 0.5, 0.5, 0.3, 1, 2), ("Accountants", "Solicitors", "Consulting", "Estate Agents",
               "Architects", "Insurance Brokers", "Recruitment"), "Business Services"),
    "hospitality": (0.18, (0.5, 2, 6, 1.5, 0.5, 0.5, 1.5), ("Cafe", "Kitchen", "Hotel", "Restaurant", "Bakery",
                    "Catering", "Tearooms", "Bistro", "Inn"), "Restaurants & Cafes"),
    "cleaning": (0.10, (0.3, 7, 0.5, 0.5, 1.5, 0.3, 0.3), ("Cleaning Services", "Facilities", "Hygiene Solutions",
                 "Window Cleaning"), "Cleaning Services"),
    "healthcare": (0.10, (1.5, 3, 1, 0.5, 2, 0.5, 1), ("Dental Practice", "Care Home", "Medical Centre",
                   "Veterinary Surgery", "Pharmacy"), "Health & Care"),
    "education": (0.08, (4, 2, 1.5, 0.3, 0.5, 0.5, 1), ("Primary School", "Academy", "Nursery", "College"),
                  "Schools & Education"),
    "retail": (0.12, (1, 1, 0.5, 4, 0.5, 1, 0.5), ("Stores", "Hardware", "Florists", "Boutique", "Gifts",
               "Deli"), "Shops & Retail"),
    "manufacturing": (0.10, (1, 1.5, 0.3, 3, 3, 2, 0.5), ("Engineering", "Plastics", "Fabrications", "Print",
                      "Joinery"), "Manufacturing"),
    "construction": (0.08, (0.5, 1, 0.3, 0.5, 5, 3, 0.5), ("Builders", "Construction", "Electrical Contractors",
                     "Plumbing & Heating", "Roofing"), "Building & Construction"),
}  # fmt: skip

# category -> (base name, unit price in GBP)
_PRODUCTS: Final[dict[str, tuple[tuple[str, float], ...]]] = {
    "Office Supplies": (("A4 Copier Paper 80gsm Box of 5 Reams", 21.99), ("Ballpoint Pens Blue Pack of 50", 6.49),
        ("Lever Arch Files Pack of 10", 18.99), ("Sticky Notes 76x76mm Pack of 12", 7.99),
        ("Toner Cartridge Black HP 26A", 89.00), ("Heavy Duty Stapler", 14.50), ("Envelopes DL White Box of 1000", 24.99),
        ("Whiteboard Markers Assorted Pack of 10", 9.49), ("Desk Organiser Mesh", 11.99), ("Shredder Bags Pack of 100", 19.99)),
    "Cleaning & Hygiene": (("Centrefeed Blue Roll 6 Pack", 19.99), ("Toilet Rolls 2-Ply Pack of 36", 17.49),
        ("Antibacterial Hand Soap 5L", 12.99), ("Multi-Surface Cleaner 5L", 9.99), ("Bleach Thick 5L", 7.49),
        ("Nitrile Gloves Blue Box of 100", 6.99), ("Black Refuse Sacks Roll of 200", 21.49), ("Mop Bucket 20L", 24.99),
        ("Microfibre Cloths Pack of 10", 8.49), ("Hand Sanitiser Gel 5L", 22.99)),
    "Catering & Disposables": (("Compostable Coffee Cups 12oz Pack of 1000", 64.99), ("Paper Napkins White Pack of 2000", 18.49),
        ("Wooden Cutlery Set Pack of 500", 29.99), ("Kraft Food Boxes Pack of 250", 39.99), ("Cling Film 450mm Roll", 11.49),
        ("Aluminium Foil 450mm Roll", 16.99), ("Sugar Sticks Box of 1000", 13.99), ("Takeaway Bags Kraft Pack of 250", 27.49),
        ("Drinking Straws Paper Pack of 500", 8.99), ("Greaseproof Paper Sheets Pack of 500", 12.49)),
    "Packaging": (("Cardboard Boxes Double Wall 18x12x12 Pack of 15", 26.99), ("Parcel Tape Brown Pack of 36", 29.99),
        ("Bubble Wrap 750mm x 100m", 22.49), ("Pallet Stretch Wrap 400mm", 15.99), ("Mailing Bags Grey Pack of 500", 24.49),
        ("Void Fill Paper Roll", 34.99), ("Shipping Labels A4 Pack of 500", 17.99), ("Tape Gun Dispenser", 9.99)),
    "Safety & PPE": (("Hi-Vis Vest Yellow", 2.99), ("Safety Boots S3", 39.99), ("Hard Hat White", 6.49),
        ("FFP3 Dust Masks Box of 10", 24.99), ("Safety Glasses Clear", 3.49), ("First Aid Kit HSE 20 Person", 29.99),
        ("Ear Defenders", 8.99), ("Cut Resistant Gloves", 5.49), ("Fire Extinguisher Foam 6L", 49.99)),
    "Electrical": (("LED Tube 5ft 24W", 8.99), ("Extension Lead 4 Gang 5m", 12.99), ("AA Batteries Pack of 24", 11.49),
        ("LED GU10 Bulbs Pack of 10", 15.99), ("Cable Ties Pack of 100", 4.49), ("Emergency Exit Sign LED", 34.99),
        ("PAT Test Labels Roll of 500", 7.99), ("Heavy Duty Cable Reel 25m", 39.99)),
    "Breakroom": (("Instant Coffee 750g", 22.99), ("Tea Bags Pack of 1100", 24.49), ("Semi-Skimmed Milk Pots Pack of 120", 8.99),
        ("Biscuit Assortment Box", 9.49), ("Bottled Water 500ml Pack of 24", 5.99), ("Hot Chocolate 1kg", 10.99),
        ("Water Cooler Cups Pack of 1000", 14.99)),
}  # fmt: skip


@dataclass(frozen=True)
class Product:
    """One catalogue item as the demo world knows it."""

    index: int
    name: str
    sku: str
    category: str
    unit_price: float
    unit_cost: float


def _catalogue() -> tuple[Product, ...]:
    items: list[Product] = []
    for c, category in enumerate(CATEGORIES):
        for i, (name, price) in enumerate(_PRODUCTS[category]):
            for pack, mult in (("", 1.0), (" (Case of 4)", 3.7)):
                n = len(items)
                unit = round(price * mult, 2)
                cost = round(unit * (0.55 + 0.02 * ((c + i) % 8)), 2)
                items.append(
                    Product(n, name + pack, f"MCL-{c + 1}{i:02d}{'C' if pack else 'S'}", category, unit, cost)
                )
    return tuple(items)


PRODUCTS: Final[tuple[Product, ...]] = _catalogue()

SURNAMES: Final[tuple[str, ...]] = _words(
    """Smith Jones Taylor Brown Williams Wilson Johnson Davies Patel Robinson Wright Thompson Evans Walker White
    Roberts Green Hall Thomas Clarke Jackson Wood Harris Edwards Turner Martin Cooper Hill Ward Hughes Moore Clark
    King Harrison Lewis Baker Lee Allen Morris Khan Scott Watson Davis Parker James Bennett Young Phillips Richardson
    Mitchell Bailey Carter Cook Singh Shaw Bell Collins Morgan Kelly Begum Miller Cox Marshall Simpson Anderson Ellis
    Adams Wilkinson Ali Foster Chapman Mason Russell Webb Rogers Gray Hunt Palmer Holmes Mills Barnes Knight Lloyd
    Butler Russell Barker Fisher Stevens Jenkins Murphy Dixon Richards Reid Gibson Fletcher Lawrence Macdonald Campbell
    Stewart Murray Fraser Sutherland Kaur Hussain Ahmed Nowak Kowalski Okafor Mensah Byrne Doherty Quinn Gallagher
    O'Brien O'Neill McLaughlin Pritchard Llewellyn Price Rees Howells Griffiths Jenkins Powell Owen Vaughan"""
)
GIVEN_NAMES: Final[tuple[str, ...]] = _words(
    """Oliver Amelia George Olivia Harry Isla Noah Ava Jack Emily Leo Sophia Arthur Grace Muhammad Mia Oscar Poppy
    Charlie Ella Jacob Lily Thomas Evie Henry Isabella Freddie Sophie William Ivy Alfie Freya Theo Harper James Willow
    Joshua Charlotte Archie Jessica Ethan Daisy Isaac Alice Lucas Florence Samuel Phoebe Daniel Chloe Adam Ruby Ryan
    Hannah Aisha Priya Rohan Zara Kwame Ama Sean Niamh Callum Eilidh Rhys Cerys Dylan Megan Kieran Siobhan Tomasz
    Katarzyna Ahmed Fatima Imran Ayesha Sanjay Anjali"""
)
ADJECTIVES: Final[tuple[str, ...]] = _words(
    """Bluebell Oak Riverside Meadow Northgate Kingsway Crown Harbour Castle Park Station Abbey Victoria Albion
    Beacon Cedar Elm Granite Heritage Highfield Ivy Juniper Lakeside Millbrook Orchard Pinewood Queensway Rosewood
    Silverdale Thistle Willow Greenfield Redbrick Ashford Bridgewater Churchill Fairview Hawthorn Kestrel"""
)
STREETS: Final[tuple[str, ...]] = _words(
    """High Station Church Victoria Mill Market King Queen London Park Bridge Albert Manor Chapel Castle New York
    Green Orchard Mill Brook School North South West Stanley Princess Windsor Grange Cross Canal Wharf"""
)
STREET_TYPES: Final[tuple[tuple[str, str], ...]] = (
    ("Street", "St"),
    ("Road", "Rd"),
    ("Lane", "Ln"),
    ("Avenue", "Ave"),
    ("Way", "Way"),
    ("Business Park", "Bus. Pk"),
    ("Industrial Estate", "Ind. Est."),
    ("Trading Estate", "Trad. Est."),
)
LEGAL_SUFFIXES: Final[tuple[tuple[str, float], ...]] = (
    ("Ltd", 0.55),
    ("Limited", 0.15),
    ("LLP", 0.05),
    ("& Co", 0.05),
    ("", 0.20),
)
MIRACLE_HANDLE: Final = "miraclecorp_uk"
