# -*- coding: utf-8 -*-
# Copyright: opencloud.images contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Keeps secrets (API keys, passwords, tokens) out of every message the client produces."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import re

MASK = "********"

# Values of secret fields wherever a text quotes a request or a response: JSON members,
# HTTP header lines and query or form parameters.
_SECRET_PATTERNS = (
    re.compile(r'(?i)("(?:apiKey|api_key|password|secret|application_credential_secret)"\s*:\s*")([^"]*)'),
    re.compile(r'(?im)^((?:x-auth-token|x-subject-token)\s*:\s*)(\S+)'),
    re.compile(r'(?i)\b((?:api_key|apikey|password|secret|token)=)([^&\s]+)'),
)


class Redactor:
    """Replaces every registered secret, and the values of secret-looking fields, with a mask."""

    def __init__(self):
        self._secrets = set()

    def add(self, *values):
        for value in values:
            if value and len(str(value)) >= 4:
                self._secrets.add(str(value))

    def __call__(self, text):
        if text is None:
            return text
        text = str(text)
        # Longest first, so that a secret containing another is masked whole.
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, MASK)
        for pattern in _SECRET_PATTERNS:
            text = pattern.sub(lambda m: m.group(1) + MASK, text)
        return text
