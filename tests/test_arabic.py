"""Arabic as a first language: letter folding, clitic prefixes on watchlist names, and Arabic reports read end to
end with the shipped watchlist and both vocabulary files.

Every sentence is written for this file. Cases the reader still gets wrong because its code needs an Arabic-aware
change (not a word in a file) are kept with the answer we expect and marked `xfail(strict=True)`, each with the
change it needs, so making that change turns them into failures to clean up.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from monitor.classify import Reader
from monitor.config import load_vocabulary, load_watchlist
from monitor.match import Matcher
from monitor.model import Reading
from monitor.text import arabic_stems, fold, tokens

CONFIG = Path(__file__).resolve().parents[1] / "config"
WHEN = datetime(2024, 2, 7, 12, tzinfo=UTC)  # a Wednesday

KH = "Kataib Hezbollah"
CATCH_ALL = "Iran-backed militias"


# ---- normalisation -----------------------------------------------------------------------------------------

FOLD_CASES = [
    pytest.param("أمريكا", "امريكا", id="alef-hamza-above"),
    pytest.param("إسرائيل", "اسراييل", id="alef-hamza-below-and-yeh-hamza"),
    pytest.param("آلاف", "الاف", id="alef-madda"),
    pytest.param("ٱلفرات", "الفرات", id="alef-wasla"),
    pytest.param("مسؤول", "مسوول", id="waw-hamza"),
    pytest.param("رئيس", "رييس", id="yeh-hamza"),
    pytest.param("كربلاء", "كربلا", id="bare-hamza-dropped"),
    pytest.param("الثلاثاء", "الثلاثا", id="bare-hamza-dropped-weekday"),
    pytest.param("قاعدة", "قاعده", id="taa-marbuta"),
    pytest.param("مصطفى", "مصطفي", id="alef-maqsura"),
    pytest.param("عيـــن", "عين", id="tatweel"),
    pytest.param("صَارُوخٌ", "صاروخ", id="harakat"),
    pytest.param("هجوماً", "هجوما", id="tanween"),
    pytest.param("شدّة", "شده", id="shadda"),
    pytest.param("٣", "3", id="arabic-indic-digit"),
    pytest.param("١٢٠", "120", id="arabic-indic-number"),
    pytest.param("۲۲", "22", id="persian-digits"),
    pytest.param("یک", "يك", id="persian-yeh-and-kaf"),
    pytest.param("ﻻ", "لا", id="lam-alef-ligature"),
    # Latin is folded as it always was.
    pytest.param("Kata'ib", "kataib", id="latin-apostrophe"),
    pytest.param("Hezbollah's", "hezbollah", id="latin-possessive"),
    pytest.param("Bokmål", "bokmal", id="latin-ring"),
    pytest.param("Türkiye", "turkiye", id="latin-umlaut"),
    pytest.param("ʿAyn", "ayn", id="latin-ayn-mark"),
    pytest.param("F-16", "f-16", id="latin-hyphen-kept-in-a-token"),
    pytest.param("2024", "2024", id="ascii-digits"),
]


@pytest.mark.parametrize(("word", "folded"), FOLD_CASES)
def test_fold(word: str, folded: str):
    assert fold(word) == folded
    assert fold(folded) == folded


def test_arabic_digits_are_one_token_read_as_ascii():
    text = "سقوط ٤ صواريخ على البرج ٢٢"
    found = tokens(text)
    assert [t for _, _, t in found] == ["سقوط", "4", "صواريخ", "علي", "البرج", "22"]
    assert [text[s:e] for s, e, _ in found][1] == "٤"


STEM_CASES = [
    pytest.param("لكتائب", ("كتايب", "الكتايب"), id="lam-then-the-article-offered"),
    pytest.param("للحشد", ("الحشد", "لحشد", "حشد"), id="lam-lam-is-lam-plus-article"),
    pytest.param("وبالحشد", ("بالحشد", "الحشد", "حشد"), id="waw-ba-article"),
    pytest.param("فالتنف", ("التنف", "تنف"), id="fa-article"),
    pytest.param("كالبصرة", ("البصره", "بصره"), id="kaf-article"),
    pytest.param("ولإيران", ("لايران", "ايران", "الايران", "ولاير", "لاير", "اير", "الاير"), id="waw-lam"),
    pytest.param("الكتائب", ("كتايب",), id="article-alone"),
    pytest.param("هجماتها", ("هجمات", "الهجمات", "هجماه", "الهجماه"), id="attached-pronoun"),
    pytest.param("قاعدتهم", ("قاعدت", "القاعدت", "قاعده", "القاعده"), id="attached-pronoun-reopens-taa-marbuta"),
    pytest.param("قاعدته", (), id="a-lone-ha-is-left-alone"),
    pytest.param("قصفت", (), id="no-clitic"),
    pytest.param("بلد", (), id="too-short-to-strip"),
    pytest.param("Kataib", (), id="latin"),
    pytest.param("مقاتلتان", ("مقاتله",), id="feminine-dual-gets-its-taa-marbuta-back"),
    pytest.param("طائرتين", ("طايره",), id="feminine-dual-oblique"),
    pytest.param("مسلحين", ("مسلح",), id="sound-masculine-plural"),
    pytest.param("قصفتا", ("قصفت",), id="past-verb-feminine-dual"),
    pytest.param("معسكراً", ("معسكر",), id="accusative-alef"),
]


VERB_STEM_CASES = [
    pytest.param("تدمر", ("دمر", "ادمر"), id="present-tense-she"),
    pytest.param("يستهدف", ("ستهدف", "استهدف"), id="derived-verb-gets-its-alef-back"),
    pytest.param("هاجموا", ("هاجمو", "هاجم"), id="past-plural"),
    pytest.param("تقصفان", ("تقصف", "قصفان", "اقصفان", "قصف", "اقصف"), id="present-dual"),
    # "We" is no prefix stripped: "نيران" (fire) must not read as a verb form of Iran's name.
    pytest.param("نيران", ("نير",), id="nun-is-not-a-prefix"),
]


@pytest.mark.parametrize(("word", "stems"), VERB_STEM_CASES)
def test_arabic_verb_stems(word: str, stems: tuple[str, ...]):
    assert arabic_stems(fold(word), verbs=True) == stems
    assert not set(arabic_stems(fold(word))) - set(stems)  # names are looked up without the verb forms


@pytest.mark.parametrize(("word", "stems"), STEM_CASES)
def test_arabic_stems(word: str, stems: tuple[str, ...]):
    assert arabic_stems(fold(word)) == stems


# ---- clitic prefixes on watchlist names -------------------------------------------------------------------


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_watchlist([CONFIG / "watchlist.yaml"]))


PREFIX_CASES = [
    pytest.param("زار الوفد النجف وكربلاء", {"Najaf", "Karbala"}, id="wa"),
    pytest.param("فالتنف لم تعد تضم جنودا", {"Al-Tanf Garrison"}, id="fa-al"),
    pytest.param("دوى انفجار ببغداد مساء", {"Baghdad"}, id="bi"),
    pytest.param("صدر بيان لكتائب حزب الله", {KH}, id="li-not-lebanese-hezbollah"),
    pytest.param("صنف التقرير الفصيل ككتائب حزب الله", {KH}, id="ka"),
    pytest.param("وبعين الأسد سقطت قذيفة", {"Ain al-Asad Air Base"}, id="wa-bi"),
    pytest.param("ولكتائب سيد الشهداء مقرات هناك", {"Kataib Sayyid al-Shuhada"}, id="wa-li"),
    pytest.param("فبالموصل جرى الاجتماع", {"Mosul"}, id="fa-bi-al"),
    pytest.param("مرت القافلة بالأنبار", {"Anbar"}, id="bi-al"),
    pytest.param("قصف مقر للحشد الشعبي", {"Popular Mobilization Forces"}, id="lil"),
    pytest.param("اتجهت القافلة كالعادة إلى البوكمال", {"Albu Kamal"}, id="plain-name-after-ka-word"),
    pytest.param("وصل الوفد فالبصرة", {"Basra"}, id="fa-al-city"),
    pytest.param("عاد كالبوكمال هادئا", {"Albu Kamal"}, id="ka-al"),
    pytest.param("وقسد تسيطر على المنطقة", {"Syrian Democratic Forces"}, id="wa-short-name"),
    pytest.param("بيان للقيادة المركزية الأمريكية", {"United States"}, id="lil-long-name"),
    pytest.param("زيارة لإيران", {"Iran"}, id="li-on-a-token-of-another-name"),
    pytest.param("فصائل موالية لإيران", {CATCH_ALL}, id="the-longer-name-as-written-wins"),
]


@pytest.mark.parametrize(("text", "names"), PREFIX_CASES)
def test_a_name_with_a_clitic_matches(matcher: Matcher, text: str, names: set[str]):
    assert {m.name for m in matcher.match(text).mentions} == names


def test_lebanese_hezbollah_is_not_read_inside_kataib_hezbollah(matcher: Matcher):
    assert [m.name for m in matcher.match("لكتائب حزب الله ولحزب الله").mentions] == [KH, "Lebanese Hezbollah"]


NOT_A_NAME = [
    pytest.param("لبنان", id="lam-word"),
    pytest.param("بلدة صغيرة", id="ba-word-near-balad"),
    pytest.param("وزارة الصحة", id="waw-word"),
    pytest.param("فلسطين", id="fa-word"),
    pytest.param("ليبيا", id="lam-word-2"),
    pytest.param("كتاب جديد", id="kaf-word"),
    pytest.param("والدة الطفل", id="waw-al-word"),
    pytest.param("بحق المدنيين", id="ba-word-near-al-haq"),
    pytest.param("لحزب", id="clitic-on-part-of-a-name"),
    pytest.param("بالحشد", id="weak-name-without-context"),
]


@pytest.mark.parametrize("text", NOT_A_NAME)
def test_a_word_that_only_starts_with_a_clitic_letter_matches_nothing(matcher: Matcher, text: str):
    assert matcher.match(text).mentions == ()


@pytest.mark.parametrize(("text", "name"), [
    pytest.param("بغداد", "Baghdad", id="ba"), pytest.param("كركوك", "Kirkuk", id="ka"),
    pytest.param("بابل", "Babil", id="ba-2"), pytest.param("بيروت", "Beirut", id="ba-3"),
])
def test_a_name_that_starts_with_a_clitic_letter_is_not_stripped(matcher: Matcher, text: str, name: str):
    (mention,) = matcher.match(text).mentions
    assert mention.name == name and mention.how == "exact"


def test_the_mention_spans_the_word_with_its_clitic(matcher: Matcher):
    text = "قصفت طائرات مواقع لكتائب حزب الله"
    (mention,) = matcher.match(text).mentions
    assert text[mention.start:mention.end] == mention.found == "لكتائب حزب الله"


# ---- reports read end to end ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def read():
    watchlist = load_watchlist([CONFIG / "watchlist.yaml"])
    matcher = Matcher(watchlist)
    reader = Reader(load_vocabulary([CONFIG / "vocabulary.yaml", CONFIG / "vocabulary.ar.yaml"]), watchlist)

    def run(title: str, summary: str = "", when: datetime = WHEN) -> Reading:
        return reader.read(title, summary, matcher.match(f"{title}\n{summary}"), when)

    return run


def test_us_air_strike_report(read):
    reading = read("غارات جوية أمريكية على مقرات لكتائب حزب الله قرب القائم",
                   "قالت القيادة المركزية الأمريكية إن طائرات حربية نفذت ضربات دقيقة فجر الأحد على مستودعات أسلحة "
                   "تابعة لكتائب حزب الله في منطقة القائم غربي الأنبار.")
    assert reading.relevant and reading.event_type == "strike"
    assert reading.actors == ("United States", KH)
    assert reading.parties[0].role == "striker"
    assert reading.places == ("Al-Qaim",)
    assert reading.weapon == "airstrike"
    assert reading.happened_on == date(2024, 2, 4)


def test_us_strike_with_the_verb_first(read):
    reading = read("قصفت طائرات أمريكية مواقع لكتائب حزب الله في جرف الصخر")
    assert reading.relevant and reading.event_type == "strike"
    assert reading.actors == ("United States", KH)
    assert reading.places == ("Jurf al-Sakhar",)


def test_rocket_attack_on_a_base_with_the_toll(read):
    reading = read("مقتل جنديين أمريكيين في هجوم صاروخي على قاعدة عين الأسد",
                   "سقطت ثمانية صواريخ كاتيوشا مساء الثلاثاء على قاعدة عين الأسد الجوية غربي العراق، ما أسفر عن "
                   "مقتل جنديين أمريكيين، بحسب مسؤول في التحالف الدولي.")
    assert reading.relevant and reading.event_type == "attack"
    assert reading.actors == (CATCH_ALL,)
    assert reading.places == ("Ain al-Asad Air Base",)
    assert reading.killed == {"US": 2}
    assert (reading.weapon, reading.weapon_count) == ("rockets", "8")
    assert reading.happened_on == date(2024, 2, 6)


def test_killed_and_wounded_counted_after_their_verbs(read):
    reading = read("قتل جندي أمريكي وأصيب أربعة جنود أمريكيين في هجوم بطائرة مسيرة على قاعدة التنف")
    assert reading.relevant and reading.event_type == "attack"
    assert reading.places == ("Al-Tanf Garrison",)
    assert (reading.killed, reading.injured) == ({"US": 1}, {"US": 4})
    assert reading.weapon == "drones"


def test_contractors_take_the_side_of_the_nationality_after_them(read):
    reading = read("هجوم صاروخي على قاعدة عين الأسد", "قتل ما لا يقل عن ثلاثة متعاقدين أمريكيين.")
    assert reading.killed == {"US": 3}


def test_a_dual_noun_counts_two(read):
    reading = read("أصيب جنديان أمريكيان بجروح طفيفة في هجوم بطائرة مسيرة على قاعدة حرير قرب أربيل")
    assert reading.relevant and reading.event_type == "attack"
    assert reading.injured == {"US": 2}
    assert "Harir Air Base" in reading.places


def test_arabic_digits_count_the_rockets(read):
    reading = read("عاجل | سقوط ٤ صواريخ على مطار أربيل الدولي")
    assert reading.relevant and reading.event_type == "attack"
    assert reading.places == ("Erbil Air Base",)
    assert (reading.weapon, reading.weapon_count) == ("rockets", "4")


def test_claimed_drone_attack(read):
    reading = read("المقاومة الإسلامية في العراق تتبنى استهداف قاعدة حرير بطائرة مسيرة")
    assert reading.relevant and reading.event_type == "attack"
    assert reading.actors == ("Islamic Resistance in Iraq",)
    assert (reading.parties[0].role, reading.parties[0].how) == ("perpetrator", "claimed")
    assert reading.places == ("Harir Air Base",)


def test_militia_threat(read):
    reading = read("كتائب حزب الله تتوعد القوات الأمريكية برد قاس",
                   "هددت كتائب حزب الله، الخميس، باستهداف القواعد التي تضم قوات أمريكية في العراق إذا لم تنسحب "
                   "قبل نهاية العام.")
    assert reading.relevant and reading.event_type == "threat"
    assert KH in reading.actors


def test_unnamed_factions_threaten_us_forces(read):
    title = "فصائل عراقية تهدد باستئناف الهجمات على القواعد الأمريكية"
    reading = read(title, when=datetime(2021, 11, 20, tzinfo=UTC))
    assert reading.relevant and reading.event_type == "threat"
    assert reading.actors[0] == CATCH_ALL
    # Since the umbrella has spoken for the factions, unnamed factions that threaten speak as it.
    assert read(title).actors[0] == "Islamic Resistance in Iraq"


def test_us_warning(read):
    reading = read("واشنطن تحذر طهران من استهداف قواتها في سوريا")
    assert reading.relevant and reading.event_type == "threat"
    assert reading.actors == ("United States",)


def test_an_attack_on_a_coalition_convoy(read):
    reading = read("انفجار عبوة ناسفة بقافلة تنقل معدات للتحالف قرب الناصرية", "لم تسفر عن إصابات.")
    assert reading.relevant and reading.event_type == "attack"
    assert reading.weapon == "ied"
    assert reading.places == ("Dhi Qar",)


@pytest.mark.parametrize(("title", "summary"), [
    pytest.param("إضراب عمال النفط في البصرة احتجاجا على تأخر الرواتب", "", id="labour-strike"),
    pytest.param("آلاف العراقيين يحيون الذكرى السنوية لمقتل سليماني قرب مطار بغداد", "", id="anniversary"),
    pytest.param("ذكراها الثانية: ذوو ضحايا القصف بالصواريخ على قاعدة عين الأسد يطالبون بالتعويض", "",
                 id="anniversary-with-a-pronoun"),
    pytest.param("سقوط طائرة مسيرة مفخخة في حقل للغاز بمحافظة أربيل دون إصابات", "", id="a-gas-field-in-a-province"),
    pytest.param("سقوط طائرة مسيرة مفخخة في حقل للغاز قرب أربيل دون إصابات", "", id="a-gas-field-near-the-town"),
    pytest.param("مقتل ثلاثة عمال أجانب بهجوم على حقل للغاز في السليمانية",
                 "ولم تكن المرة الأولى التي يستهدف فيها الحقل بهجمات بالصواريخ والطائرات المسيرة.",
                 id="drones-named-with-the-word-for-aircraft-are-no-state-striking"),
    pytest.param("غارات إسرائيلية تستهدف مستودعا للفصائل الموالية لإيران في البوكمال",
                 "لم يعلق الجيش الإسرائيلي، فيما نفت القوات الأمريكية أي علاقة لها بالضربات.", id="israeli-strike"),
    pytest.param("صوت البرلمان العراقي على قرار يطالب بخروج القوات الأمريكية", "", id="parliament-vote"),
])
def test_not_relevant(read, title: str, summary: str):
    assert not read(title, summary).relevant


def test_a_strike_named_only_as_what_a_threat_answers(read):
    reading = read("كتائب حزب الله تهدد القوات الأمريكية",
                   "جاء التهديد ردا على غارات أمريكية قتلت اثنين من قادتها.")
    assert reading.event_type == "threat"
    assert reading.killed == {}


# ---- what the reader's code still needs ----------------------------------------------------------------------


def test_a_weapon_word_with_a_clitic(read):
    reading = read("هجوم بالكاتيوشا على معسكر التاجي")
    assert reading.weapon == "rockets"


def test_an_incident_in_a_two_word_month_is_background(read):
    reading = read("مسؤول عسكري يتحدث عن وضع القوات في العراق",
                   "في كانون الأول الماضي قتل جنديان أمريكيان بهجوم على قاعدة التنف.")
    assert reading.killed == {}


def test_background_clause_ends_at_the_arabic_comma(read):
    reading = read("تقرير عن الوضع الأمني في الأنبار",
                   "بعد الغارات الأمريكية على القائم، سقطت صواريخ على قاعدة عين الأسد مساء السبت.")
    assert reading.event_type == "attack"
    assert reading.places == ("Ain al-Asad Air Base",)


def test_a_weapon_depot_struck_is_not_an_attack(read):
    reading = read("ضربات أمريكية تستهدف مستودعات صواريخ لكتائب حزب الله في القائم")
    assert reading.event_type == "strike"


def test_a_us_drone_strike_written_noun_then_adjective(read):
    reading = read("استهدفت طائرة مسيرة أمريكية سيارة تقل قياديين في كتائب حزب الله شرقي بغداد")
    assert reading.event_type == "strike"
    assert reading.actors[0] == "United States"


def test_aircraft_after_the_verb_with_their_nationality_strike(read):
    """Verb first, then the aircraft and whose they are: the state strikes, the militia named after is its target."""
    reading = read("أغارت مقاتلات أمريكية ليلاً على مخازن أسلحة لحركة النجباء في جرف الصخر")
    assert reading.event_type == "strike"
    assert reading.actors[0] == "United States"
    assert "Harakat Hezbollah al-Nujaba" in reading.actors


def test_a_title_ending_in_a_place_before_a_summary_that_opens_with_speech(read):
    reading = read("البنتاغون يعلن إصابة جنود في هجوم على قاعدة رميلان",
                   "تقول وزارة الدفاع إن الإصابات طفيفة.")
    assert reading.places == ("Rumalyn Landing Zone",)


def test_a_phrase_whose_second_word_carries_a_pronoun(read):
    # "وقف هجماتها" (halting its attacks) is the listed "وقف الهجمات" with an attached pronoun.
    reading = read("الفصائل العراقية تعلن وقف هجماتها على القوات الأمريكية")
    assert reading.event_type == "threat" and reading.relevant


VERB_FIRST = [
    pytest.param("قصفت الولايات المتحدة مواقع لكتائب حزب الله قرب القائم", "strike", "Kataib Hezbollah",
                 id="a-state-subject-strikes-a-militia"),
    pytest.param("استهدف مجاهدو المقاومة الإسلامية قاعدة الشدادي في سوريا برشقة صاروخية", "attack", None,
                 id="fighters-as-subject-attack-a-base"),
    pytest.param("استهدفت فصائل المقاومة قاعدة عين الأسد بالصواريخ", "attack", None,
                 id="factions-as-subject-attack-a-named-base"),
    pytest.param("استهدف مجاهدو المقاومة الإسلامية في العراق، فجر اليوم، قاعدة الاحتلال في الشدادي بطائرة مسيرة",
                 "attack", "Islamic Resistance in Iraq", id="a-time-between-commas-cuts-the-object-off"),
    # Number and tense on the word: duals, plurals and present-tense verbs are their singular past forms.
    pytest.param("قاذفتان أمريكيتان تضربان مخزنين لحركة النجباء قرب القائم", "strike", "United States",
                 id="two-us-bombers-strike-a-dual-verb"),
    pytest.param("القوات الأمريكية تدمر منصات إطلاق صواريخ في ريف دير الزور", "strike", "United States",
                 id="a-present-tense-destroy-by-us-forces"),
    pytest.param("طائرتان مسيرتان تستهدفان قاعدة حرير وإسقاط إحداهما", "attack", None,
                 id="two-drones-target-a-base"),
]


@pytest.mark.parametrize(("title", "kind", "actor"), VERB_FIRST)
def test_verb_first_the_subject_after_the_verb_acts(read, title, kind, actor):
    reading = read(title)
    assert reading.event_type == kind and reading.relevant, reading
    if actor is not None:
        assert actor in reading.actors




def test_a_groups_statement_on_its_attack_is_its_claim(read):
    reading = read("بيان كتائب حزب الله بشأن استهداف قاعدة الشدادي")
    assert reading.event_type == "attack" and reading.relevant


def test_a_groups_statement_on_attacks_it_suffered_is_no_claim(read):
    reading = read("بيان هيئة الحشد الشعبي بشأن الاعتداء على مقرات الحشد في القائم")
    assert reading.event_type != "attack" or reading.actors[:1] != ("Popular Mobilization Forces",)


def test_a_motive_joined_by_its_conjunction_ends_at_the_comma(read):
    # "in support of ... and in response to ..., the fighters targeted": the motive is background, the attack is news.
    reading = read("بيان للمقاومة الإسلامية في العراق",
                   "دعماً للمظلومين وثأراً للشهداء، استهدف مجاهدونا قاعدة عين الأسد بصاروخين.")
    assert reading.event_type == "attack" and reading.relevant


def test_after_midnight_is_a_time_not_background(read):
    reading = read("بيان أمني بشأن ليلة أمس",
                   "بعد منتصف الليل اقتربت طائرة مسيرة من قاعدة حرير وتم إسقاطها دون خسائر.")
    assert reading.event_type == "attack" and reading.relevant
    assert "Harir Air Base" in reading.places


def test_a_weak_place_name_confirmed_by_arabic_context(read):
    reading = read("ارتفاع عدد المصابين الأمريكيين في هجوم رميلان إلى ستة")
    assert reading.places == ("Rumalyn Landing Zone",) and reading.relevant


def test_a_roadside_bomb_on_a_coalition_convoy_is_an_attack(read):
    """The coalition named before the bomb owns the convoy, not the bomb: Arabic puts a weapon's owner after it."""
    reading = read("تعرض رتل لوجستي تابع للتحالف لعبوة ناسفة على الطريق السريع قرب الديوانية")
    assert reading.event_type == "attack" and reading.relevant


def test_the_brigades_alone_stand_for_kataib_hezbollah_beside_the_us(read):
    reading = read("الكتائب تعلن استئناف عملياتها ضد القوات الأمريكية")
    assert reading.relevant and "Kataib Hezbollah" in reading.actors


def test_the_brigades_after_another_brigades_name_are_that_one(read):
    reading = read("أمين عام كتائب سيد الشهداء: مقاتلو الكتائب مستعدون لضرب المصالح الأمريكية")
    assert "Kataib Sayyid al-Shuhada" in reading.actors and "Kataib Hezbollah" not in reading.actors


def test_our_operations_go_on_is_a_vow(read):
    reading = read("كتائب حزب الله: لن تتوقف عملياتنا حتى خروج القوات الأمريكية")
    assert reading.event_type == "threat" and reading.relevant


def test_the_adjective_of_the_strikes_is_not_the_side_of_their_dead(read):
    # "The toll of the dead of the American strikes in Akashat rises to 23": the strikes are American, not the dead.
    reading = read("ارتفاع حصيلة قتلى الضربات الأمريكية في عكاشات الى ٢٣")
    assert reading.event_type == "strike" and "US" not in reading.killed


def test_a_verb_before_positions_has_them_as_its_object(read):
    # "Unknown aircraft targeted positions of the militias": a verb is no weapon naming a facility ("rocket depots").
    reading = read("طائرات مجهولة استهدفت مواقع للميليشيات الموالية لإيران في الميادين")
    assert reading.event_type == "strike" and reading.relevant


def test_any_attack_on_our_forces_is_a_vow_and_no_injuries_is_no_condition(read):
    vow = read("البنتاغون: سنحاسب طهران على أي هجوم يستهدف قواتنا في سوريا")
    assert vow.event_type == "threat" and vow.relevant
    told = read("لم تسجل أي إصابات في الهجوم الصاروخي على قاعدة الشدادي")
    assert told.event_type == "attack" and told.relevant


def test_three_dead_of_the_us_army_are_counted(read):
    reading = read("ثلاثة قتلى من الجيش الأمريكي بهجوم بطائرة مسيرة على قاعدة شمال شرقي الأردن")
    assert reading.killed == {"US": 3}


def test_a_drone_on_a_hashd_camp_is_a_strike_on_it(read):
    reading = read("مصدر أمني: طائرة مسيرة مجهولة تستهدف معسكراً للحشد في آمرلي")
    assert reading.event_type == "strike" and reading.relevant


def test_a_claim_opening_and_closing_with_the_usual_words_is_its_attack(read):
    # A claim's usual frame ("continuing our path of resisting the occupation forces ... our operations go on")
    # surrounds the attack it claims: the report is that attack.
    reading = read("بيان المقاومة الإسلامية في العراق",
                   "بسم الله الرحمن الرحيم. استمراراً بنهجنا في مقاومة قوات الاحتلال، استهدف مجاهدو المقاومة "
                   "الإسلامية في العراق، فجر اليوم، قاعدة الاحتلال الأمريكي في الشدادي بالطيران المسيّر. "
                   "وإن عملياتنا مستمرة.")
    assert reading.event_type == "attack" and reading.relevant
