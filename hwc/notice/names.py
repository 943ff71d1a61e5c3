"""Claimants' names as the public notice prints them: enough for neighbours to recognise a
household, never the whole name."""

import unicodedata

MASK = "*"
# Scripts that write a name as separate words (given name, family name); others (Han, Hangul,
# Kana…) write it as one run of characters.
WORD_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK", "ARMENIAN", "GEORGIAN")


def _in_word_script(character: str) -> bool:
    return unicodedata.name(character, "").startswith(WORD_SCRIPTS)


def mask_name(name: str) -> str:
    """张三明 → 张*明, 张三 → 张*, one character → *; a name in a script written in words keeps
    the first letter of each word: Иван Петров → И* П*. Surrounding spaces are dropped."""
    words = name.split()
    if not words:
        return ""
    if len(words) == 1 and not _in_word_script(words[0][0]):
        run = words[0]
        if len(run) == 1:
            return MASK
        return run[0] + MASK + (run[-1] if len(run) > 2 else "")
    return " ".join(word[0] + MASK for word in words)
