"""The plugin runs the executable the wheel installed, not one from the checkout."""

import os
import sys

from kwire_mock import find_binary


def test_the_executable_comes_from_the_wheel():
    if "KWIRE_MOCK_BIN" not in os.environ:
        assert find_binary().startswith(sys.prefix), find_binary()
