"""Properties of text normalisation and item keys on any Unicode input (hypothesis)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.events import content_prints
from monitor.parse import canonical_link, item_key, plain_text
from monitor.text import fold, tokens

TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=300)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(TEXT)
def test_plain_text_never_raises_and_is_idempotent(text):
    once = plain_text(text)
    assert plain_text(once) == once or "<" in once or "&" in once
    assert "\x00" not in once and "\u202e" not in once


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.text(max_size=40).filter(lambda t: t.strip()))
def test_fold_is_idempotent(word):
    assert fold(fold(word)) == fold(word)


@settings(max_examples=200, deadline=None, derandomize=True)
@given(TEXT)
def test_tokens_point_into_the_text(text):
    for start, end, folded in tokens(text):
        assert 0 <= start < end <= len(text) and folded == fold(text[start:end])


@settings(max_examples=200, deadline=None, derandomize=True)
@given(st.one_of(st.none(), TEXT), st.one_of(st.none(), TEXT), TEXT, TEXT)
def test_item_keys_are_stable_and_hex(guid, link, title, summary):
    key = item_key(guid, link, title, summary)
    assert key == item_key(guid, link, title, summary)
    assert len(key) == 64 and int(key, 16) >= 0


@settings(max_examples=200, deadline=None, derandomize=True)
@given(TEXT)
def test_canonical_link_is_idempotent(url):
    once = canonical_link(url)
    assert canonical_link(once) == once


@settings(max_examples=100, deadline=None, derandomize=True)
@given(TEXT, TEXT)
def test_content_prints_ignore_case_and_punctuation(title, summary):
    assert content_prints(title, summary) == content_prints(title.casefold() + " ", summary + "!")
