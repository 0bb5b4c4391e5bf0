"""domain.segments: GSM-7 or UCS-2, and how many segments a text is billed as."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain import segments
from chalicelib.domain.segments import GSM7, UCS2, count

GSM_BASIC = "@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCZÄÖÑÜ§¿az"


def test_the_single_segment_limits():
    assert count("a" * 160) == segments.Segments(GSM7, 160, 1)
    assert count("a" * 161) == segments.Segments(GSM7, 161, 2)
    assert count("é" * 160).encoding == GSM7  # in the GSM-7 alphabet
    assert count("ł" * 70) == segments.Segments(UCS2, 70, 1)
    assert count("ł" * 71) == segments.Segments(UCS2, 71, 2)
    assert count("") == segments.Segments(GSM7, 0, 0)


def test_long_texts_are_split_153_and_67():
    assert count("a" * 306).count == 2
    assert count("a" * 307).count == 3
    assert count("ł" * 134).count == 2
    assert count("ł" * 135).count == 3


def test_extension_characters_take_two_septets_and_are_not_split():
    assert count("€" * 80) == segments.Segments(GSM7, 160, 1)
    assert count("€" * 81).count == 2
    # 152 septets then a two-septet euro: it moves whole to the second part.
    assert count("a" * 152 + "€" + "a" * 10).count == 2


def test_an_emoji_makes_the_text_ucs2_and_takes_two_units():
    assert count("Game 🏀") == segments.Segments(UCS2, 7, 1)


@given(st.text(alphabet=GSM_BASIC, min_size=1, max_size=2000))
def test_gsm_segments_are_the_ceiling_of_the_parts(text):
    got = count(text)
    assert got.encoding == GSM7
    assert got.count == (1 if len(text) <= 160 else -(-len(text) // 153))


@given(st.text(min_size=1, max_size=1000))
def test_segments_hold_the_text_and_grow_with_it(text):
    got = count(text)
    capacity = segments.SINGLE[got.encoding] if got.count == 1 else segments.PART[got.encoding]
    # Every unit fits, and one segment fewer would not hold them.
    assert got.units <= got.count * capacity
    assert got.count == 1 or got.units > (got.count - 1) * segments.PART[got.encoding] - got.count
    assert count(text + text).count >= got.count
