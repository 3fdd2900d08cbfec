"""Text typed by others, made safe to show beside the portal's own."""

import re

# The characters that override or isolate the direction of the text after
# them (U+202A-U+202E, U+2066-U+2069): in a name or a resident's words they
# can turn what staff read around, or make one thing look like another.
# Right-to-left languages need none of them to show properly.
_DIRECTION_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def without_direction_controls(text: str) -> str:
    """``text`` with its direction overrides and isolates taken out."""
    return _DIRECTION_CONTROLS.sub("", text)
