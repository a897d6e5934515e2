"""Sphinx configuration: ``make docs`` builds the guide pages (Markdown, via MyST) and the API
reference, written from the docstrings at build time by ``_ext/ndgrad_api.py``."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent / "_ext"))

project = "ndgrad"
extensions = ["myst_parser", "sphinx.ext.napoleon", "ndgrad_api"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build"]
html_theme = "furo"
myst_heading_anchors = 3
