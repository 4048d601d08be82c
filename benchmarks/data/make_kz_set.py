"""Generate the Kazakh dev set: lookalikes of the shipped brands per typo class, brand + lure names, benign names.

    python benchmarks/data/make_kz_set.py        # rewrites benchmarks/data/kz/*.txt (deterministic)

Independent of antifraud.detection on purpose (its own edit tables and word lists; only normalization is
used, to keep registrable names), so the set measures the engine rather than mirroring it. Classes follow
dnstwist's fuzzers and the issue's list: omission, repetition, transposition, keyboard (replacement),
insertion (keyboard neighbour), vowel swap, bitsquat, hyphenation, dot insertion (dnstwist's
"subdomain"), TLD swap, Cyrillic transliteration, homoglyph (Unicode), visual (ASCII lookalikes: l/1 for
i, 0 for o, rn for m, vv for w, lc for k, cl for d) and digit (a digit for a letter). Lure words are a
list of their own, with words the lexicon does not hold.
"""

from __future__ import annotations

import random
import tomllib
from pathlib import Path

from antifraud.adapters.suffixes import BundledSuffixList
from antifraud.domain.errors import InvalidIndicator
from antifraud.domain.normalize import normalize_domain

ROOT = Path(__file__).resolve().parents[2]
OUT = Path(__file__).resolve().parent / "kz"
PER_CLASS = 6  # variants per brand label and class, sampled
SEED = 12

ROWS = ("1234567890", "qwertyuiop", "asdfghjkl", "zxcvbnm")
VOWELS = "aeiouy"
# Cyrillic letters that look Latin (escaped: they are indistinguishable in source).
UNICODE_HOMOGLYPHS = {
    "a": "\u0430",
    "e": "\u0435",
    "o": "\u043e",
    "p": "\u0440",
    "c": "\u0441",
    "x": "\u0445",
    "y": "\u0443",
    "i": "\u0456",
    "k": "\u043a",
}
VISUAL = {"i": ["l", "1"], "l": ["1", "i"], "o": ["0"], "m": ["rn"], "w": ["vv"], "k": ["lc"], "d": ["cl"]}
_CYRILLIC_PAIRS = (
    ":"
    "shch:\u0449 sh:\u0448 ch:\u0447 zh:\u0436 kh:\u0445 ts:\u0446 ya:\u044f yu:\u044e a:\u0430 b:\u0431 "
    "c:\u043a d:\u0434 e:\u0435 f:\u0444 g:\u0433 h:\u0445 i:\u0438 j:\u0436 k:\u043a l:\u043b m:\u043c "
    "n:\u043d o:\u043e p:\u043f q:\u049b r:\u0440 s:\u0441 t:\u0442 u:\u0443 v:\u0432 w:\u0432 "
    "x:\u043a\u0441 y:\u044b z:\u0437 "
)
TO_CYRILLIC = [tuple(pair.split(":")) for pair in _CYRILLIC_PAIRS.split()]
OTHER_TLDS = ["com", "net", "org", "online", "site", "top", "xyz", "info", "ru", "kg", "uz", "com.kz", "shop"]
# Scam vocabulary as KZ scam sites spell it (Latin, Russian and Kazakh transliterated), written for this set.
STRONG_LURES = [
    "bonus", "login", "vhod", "kabinet", "vyplata", "vyplaty", "kompensaciya", "aktsiya", "akciya", "podarok",
    "prize", "gift", "invest", "investicii", "dohod", "verify", "secure", "unblock", "refund", "cashback",
    "tolem", "syilyk", "nagrada", "premiya", "vozvrat", "lotereya", "bonusy", "auth", "otp", "kyc",
]  # fmt: skip
WEAK_LURES = ["online", "pay", "support", "app", "kz", "mobile", "card", "oplata", "service", "help"]
SHAPES = [
    "{b}-{l}.{t}", "{l}-{b}.{t}", "{b}{l}.{t}", "{b}-{l}-{m}.{t}", "{b}-{l}{n}.{t}", "{l}.{b}-{m}.{t}",
    "{b}.kz-{l}.{t}", "{b}-kz-{l}.{t}", "my-{b}-{l}.{t}", "{b}-{l}.kz.{t}",
]  # fmt: skip
LURE_TLDS = ["kz", "com", "online", "site", "top", "xyz", "click", "info", "pro", "store", "live", "vip"]
# Real Kazakh and Russian-language sites (news, shops, services, state) and honest names in their style.
REAL_BENIGN = [
    "tengrinews.kz", "nur.kz", "zakon.kz", "kursiv.media", "inform.kz", "kazinform.kz", "vlast.kz", "tumba.kz",
    "sports.kz", "kolesa.kz", "krisha.kz", "market.kz", "satu.kz", "technodom.kz", "sulpak.kz", "mechta.kz",
    "alser.kz", "evrika.kz", "shop.kz", "magnum.kz", "small.kz", "arbuz.kz", "chocofood.kz", "chocolife.me",
    "aviata.kz", "chocotravel.com", "hh.kz", "enbek.kz", "2gis.kz", "yandex.kz", "mail.kz", "kazatomprom.kz",
    "kegoc.kz", "samruk-energy.kz", "kaztransoil.kz", "airastana.com", "flyarystan.com", "scat.kz",
    "qazaqair.com", "kaznu.kz", "enu.kz", "satbayev.university", "nu.edu.kz", "kimep.kz", "sdu.edu.kz",
    "iitu.edu.kz", "almau.edu.kz", "narxoz.kz", "astana.kz", "almaty.kz", "shymkent.kz", "karaganda.kz",
    "aktobe.kz", "atyrau.kz", "pavlodar.kz", "kostanay.kz", "taraz.kz", "astanahub.com", "digitalkz.kz",
    "egistic.kz", "forte-piano.kz", "kaspiysk.ru", "kazpravda.kz", "egemen.kz", "baq.kz", "ztb.kz", "ktk.kz",
    "khabar.kz", "31.kz", "atameken.kz", "kazakhtv.kz", "qazsport.kz", "medsi.kz", "invitro.kz", "olymp.kz",
    "kdl.kz", "sunkar.kz", "dostyk-plaza.kz", "mega.kz", "keruen.kz", "esentai.kz",
]  # fmt: skip
# Words honest KZ names are built from (Latin transliterations), for combinations like cvety-almaty.kz.
BENIGN_WORDS = [
    "avto", "auto", "shop", "market", "cvety", "flowers", "almaty", "astana", "shymkent", "dom", "stroy",
    "remont", "mebel", "tehnika", "kids", "deti", "sport", "fitness", "club", "tour", "travel", "hotel", "kafe",
    "restoran", "pizza", "sushi", "doner", "taxi", "dostavka", "delivery", "kurs", "school", "akademia",
    "college", "med", "clinic", "dent", "stom", "apteka", "farm", "optika", "beauty", "salon", "style", "moda",
    "obuv", "kitap", "books", "print", "foto", "video", "studio", "film", "muzyka", "art", "design", "web",
    "it", "soft", "tech", "digital", "media", "news", "info", "blog", "portal", "group", "agro", "zerno",
    "myaso", "moloko", "nan", "bal", "kumys", "kazakh", "qazaq", "eli", "dala", "tau", "sheber", "usta", "kala",
    "bazar", "sauda",
]  # fmt: skip
BENIGN_TLDS = ["kz", "kz", "kz", "com", "ru", "org", "com.kz", "net"]


def keyboard() -> dict[str, str]:
    pos = {ch: (r, c) for r, row in enumerate(ROWS) for c, ch in enumerate(row)}
    return {
        a: "".join(
            b for b, (rb, cb) in pos.items() if b != a and abs(rb - ra) <= 1 and abs((cb + rb / 2) - (ca + ra / 2)) <= 1
        )
        for a, (ra, ca) in pos.items()
    }


KEYS = keyboard()


def classes(label: str) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {k: set() for k in (
        "omission", "repetition", "transposition", "keyboard", "insertion", "vowel-swap", "bitsquat",
        "hyphenation", "dot-insertion", "homoglyph", "visual", "digit",
    )}  # fmt: skip
    n = len(label)
    for i, ch in enumerate(label):
        out["omission"].add(label[:i] + label[i + 1 :])
        out["repetition"].add(label[:i] + ch + label[i:])
        if i < n - 1 and ch != label[i + 1]:
            out["transposition"].add(label[:i] + label[i + 1] + ch + label[i + 2 :])
        for k in KEYS.get(ch, ""):
            out["keyboard"].add(label[:i] + k + label[i + 1 :])
            out["insertion"].add(label[:i] + k + label[i:])
        if ch in VOWELS:
            out["vowel-swap"].update(label[:i] + v + label[i + 1 :] for v in VOWELS if v != ch)
        for bit in range(7):
            flipped = chr(ord(ch) ^ (1 << bit))
            if flipped.isascii() and ((flipped.isalnum() and flipped.islower()) or flipped.isdigit()):
                out["bitsquat"].add(label[:i] + flipped + label[i + 1 :])
        if i > 0:
            out["hyphenation"].add(label[:i] + "-" + label[i:])
            out["dot-insertion"].add(label[:i] + "." + label[i:])
        if ch in UNICODE_HOMOGLYPHS:
            out["homoglyph"].add(label[:i] + UNICODE_HOMOGLYPHS[ch] + label[i + 1 :])
        for shown in VISUAL.get(ch, []):
            out["visual"].add(label[:i] + shown + label[i + 1 :])
        if ch.isalpha():
            out["digit"].update(label[:i] + d + label[i + 1 :] for d in "0123456789")
    for values in out.values():
        values.discard(label)
        values -= {v for v in values if len(v.replace("-", "").replace(".", "")) < 3 or v.startswith(("-", "."))}
    return out


def cyrillic(label: str) -> str:
    out, i = "", 0
    while i < len(label):
        for latin, cyr in TO_CYRILLIC:
            if label.startswith(latin, i):
                out, i = out + cyr, i + len(latin)
                break
        else:
            out, i = out + label[i], i + 1
    return out


def main() -> None:
    rng = random.Random(SEED)
    brands = tomllib.loads((ROOT / "config" / "brands.toml").read_text(encoding="utf-8"))["brand"]
    official = {d for b in brands for d in b.get("domains", [])}
    closed = tuple("." + s for b in brands for s in b.get("suffixes", []))
    suffixes = BundledSuffixList()

    def registrable(name: str) -> bool:
        """Only names a fraudster could register: valid, not a public suffix, not in a closed zone."""
        try:
            normalize_domain(name, suffixes)
        except InvalidIndicator:
            return False
        return not name.endswith(closed) and not any(name.endswith("." + d) for d in official)

    labels: list[tuple[str, str, str]] = []  # (label, tld, brand)
    for brand in brands:
        for domain in brand.get("domains", []):
            label, _, tld = domain.partition(".")
            if len(label) >= 4 and label.isalnum():
                labels.append((label, tld, brand["name"]))
    lookalikes: list[str] = []
    for label, tld, brand in labels:
        for kind, variants in classes(label).items():
            names = sorted(f"{v}.{tld}" for v in variants)
            names = [n for n in names if n not in official and registrable(n)]
            sample = rng.sample(names, min(PER_CLASS, len(names)))
            lookalikes.extend(f"{name}\t{kind}\t{brand}" for name in sample)
        swaps = rng.sample([t for t in OTHER_TLDS if t != tld], 3)
        lookalikes.extend(f"{label}.{t}\ttld-swap\t{brand}" for t in swaps)
        lookalikes.append(f"{cyrillic(label)}.{tld}\tcyrillic\t{brand}")
        lookalikes.append(f"{cyrillic(label)}.{rng.choice(['com', 'online', 'kz'])}\tcyrillic\t{brand}")
    lures: list[str] = []
    keywords = [(k, b["name"]) for b in brands for k in b.get("keywords", []) if len(k) >= 4]
    keywords += [(label, brand) for label, _, brand in labels]
    for _ in range(1500):
        token, brand = rng.choice(keywords)
        shape = rng.choice(SHAPES)
        name = shape.format(
            b=token, l=rng.choice(STRONG_LURES), m=rng.choice(WEAK_LURES + STRONG_LURES),
            n=rng.randint(1, 99), t=rng.choice(LURE_TLDS),
        )  # fmt: skip
        lures.append(f"{name}\t{brand}")
    benign = set(REAL_BENIGN)
    while len(benign) < 3000:
        a, b = rng.sample(BENIGN_WORDS, 2)
        sep = rng.choice(["", "-", ""])
        benign.add(f"{a}{sep}{b}{rng.choice(['', '', str(rng.randint(1, 99))])}.{rng.choice(BENIGN_TLDS)}")
    OUT.mkdir(exist_ok=True)
    header = "# generated by benchmarks/data/make_kz_set.py; do not edit by hand\n"
    (OUT / "lookalikes.tsv").write_text(header + "\n".join(sorted(set(lookalikes))) + "\n", encoding="utf-8")
    (OUT / "brand_lures.tsv").write_text(header + "\n".join(sorted(set(lures))) + "\n", encoding="utf-8")
    (OUT / "benign.txt").write_text(header + "\n".join(sorted(benign)) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
