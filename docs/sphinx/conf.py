# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sphinx settings for the module and role reference of opencloud.images (docs/build.sh)."""

project = "opencloud.images"
copyright = "opencloud.images contributors"  # pylint: disable=redefined-builtin
title = "opencloud.images reference"
html_short_title = "opencloud.images reference"
html_title = "opencloud.images reference"

extensions = ["sphinx_antsibull_ext"]
pygments_style = "ansible"
highlight_language = "YAML+Jinja"
html_theme = "sphinx_ansible_theme"
html_show_sphinx = False
display_version = False
html_use_smartypants = True
html_use_modindex = False
html_use_index = False
html_copy_source = False

# Every reference must resolve (the build runs with warnings as errors), except the two labels of the Ansible docs
# that antsibull-docs links to in every module page: the build is offline, so no intersphinx inventory is loaded.
default_role = "any"
nitpicky = True
nitpick_ignore = [
    ("std:ref", "common_return_values"),
    ("std:ref", "ansible_configuration_settings"),
]
