"""Sphinx configuration of the eval_toolkit documentation.

Build (CI treats every warning as an error)::

    python -m sphinx -W --keep-going -b html doc doc/_build/html
"""

from __future__ import annotations

import eval_toolkit

project = "eval_toolkit"
author = "eval_toolkit developers"
copyright = "eval_toolkit developers"
release = version = eval_toolkit.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.viewcode",
    "numpydoc",
]

exclude_patterns = ["_build", "generated/*.examples"]
root_doc = "index"

# API pages are generated from the docstrings at build time.
autosummary_generate = True
autodoc_typehints = "none"  # numpydoc's Parameters sections already give the types
autodoc_default_options = {"members": False}
# numpydoc lists class members itself; autosummary stubs for every dataclass
# field would duplicate the Attributes section.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# No intersphinx: the build must not depend on the network (CI may have none).

html_theme = "pydata_sphinx_theme"
html_title = f"eval_toolkit {release}"
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_show_sourcelink = False
