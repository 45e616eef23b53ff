#!/usr/bin/env python3
"""Pastes the settings table that ConfigTest generated (server/target/settings-table.md) into README.md."""
import pathlib
root = pathlib.Path(__file__).resolve().parent.parent
readme = root / "README.md"
table = (root / "server" / "target" / "settings-table.md").read_text()
text = readme.read_text()
begin, end = "<!-- settings:begin -->\n", "<!-- settings:end -->"
i, j = text.index(begin) + len(begin), text.index(end)
readme.write_text(text[:i] + table + text[j:])
print("README.md settings table updated")
